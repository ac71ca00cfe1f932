package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/problem"
)

// contactEdit is one contact's page: its address, name and note to
// change, and the way to remove it.
func (s *Server) contactEdit(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "contacts.edit.title")
	p.Notice = contactsNotice(r.URL.Query().Get("done"))
	c, err := s.Contacts.Get(r.Context(), p.User, r.PathValue("id"))
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	status := http.StatusOK
	if r.Method == http.MethodPost {
		if _, err = s.Contacts.Edit(r.Context(), p.User, c.ID, contactInput(r.PostForm)); err == nil {
			http.Redirect(w, r, "/contacts?done=saved#c-"+url.PathEscape(c.ID), http.StatusSeeOther)
			return
		}
		status = s.contactsProblem(p, err)
	} else {
		p.Form = url.Values{"address": {c.Address}, "name": {c.Name}, "note": {c.Note}}
	}
	p.Data = &contactsData{Contact: c}
	s.render(w, r, "contacts", p, status)
}

// contactRemove removes a contact and returns to the list.
func (s *Server) contactRemove(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "contacts.title")
	if err := s.Contacts.Remove(r.Context(), p.User, r.PathValue("id")); err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	http.Redirect(w, r, "/contacts?done=removed", http.StatusSeeOther)
}

// problemField is a refusal's field and code, or nil when err holds none.
func problemField(err error) []string {
	pr := problem.As(err)
	if pr == nil || pr.Code == "" {
		return nil
	}
	return []string{pr.Field, pr.Code}
}
