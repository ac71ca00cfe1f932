package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/store"
)

// contactFields are the forms' fields, named as package contacts names the
// fields of its refusals.
var contactFields = []string{"address", "name", "note"}

// contactsData is what the address book's pages show.
type contactsData struct {
	Contacts []store.Contact
	Contact  *store.Contact // the one being changed (contacts_edit.go)
	Max      int
	Full     bool // the book holds contacts.MaxContacts
}

// contacts is the holder's address book (TR PVD-FU §3.1.3.5): every
// contact, by name, with the form to add one; compose offers them.
func (s *Server) contacts(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "contacts.title")
	p.Notice = contactsNotice(r.URL.Query().Get("done"))
	status := http.StatusOK
	if r.Method == http.MethodPost {
		c, err := s.Contacts.Add(r.Context(), p.User, contactInput(r.PostForm))
		if err == nil {
			http.Redirect(w, r, "/contacts?done=added#c-"+url.PathEscape(c.ID), http.StatusSeeOther)
			return
		}
		status = s.contactsProblem(p, err)
	}
	s.renderContacts(w, r, p, status)
}

// renderContacts shows the list with p's notice or errors.
func (s *Server) renderContacts(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	list, err := s.Contacts.All(r.Context(), p.User)
	if err != nil {
		s.Log.Error("web: contacts", "account", p.User.Account.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	p.Data = &contactsData{Contacts: list, Max: contacts.MaxContacts, Full: len(list) >= contacts.MaxContacts}
	s.render(w, r, "contacts", p, status)
}

// contactInput reads a contact's form.
func contactInput(f url.Values) contacts.Input {
	return contacts.Input{Address: f.Get("address"), Name: f.Get("name"), Note: f.Get("note")}
}

// contactsProblem puts a refusal next to its field, in the page's words:
// contacts.err.<field>.<code>, else contacts.err.<code>, else problemOf's.
func (s *Server) contactsProblem(p *Page, err error) int {
	if pr := problemField(err); pr != nil {
		return s.explain(p, err, []string{"contacts.err." + pr[0] + "." + pr[1], "contacts.err." + pr[1]}, nil, contactFields...)
	}
	return s.problemOf(p, err, contactFields...)
}

// contactsNotice is the message key of what a redirect says was done:
// only those known.
func contactsNotice(done string) string {
	switch done {
	case "added", "saved", "removed", "exists":
		return "contacts.done." + done
	}
	return ""
}
