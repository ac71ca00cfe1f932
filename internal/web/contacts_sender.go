package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/problem"
)

// contactSender adds the sender of a letter in the holder's mailbox (the
// form's letter: the copy's id) to the address book, named as the letter
// names them (the form's name), and shows the contact to add a note; a
// sender in the book already is shown as they are.
func (s *Server) contactSender(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "contacts.title")
	ctx := r.Context()
	c, err := s.Mail.Lookup(ctx, p.User, r.PostForm.Get("letter"))
	if err != nil {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	addr := c.Letter.SenderAddress
	if old, err := s.Contacts.Find(ctx, p.User, addr); err == nil {
		http.Redirect(w, r, "/contacts/"+url.PathEscape(old.ID)+"?done=exists", http.StatusSeeOther)
		return
	} else if pr := problem.As(err); pr == nil || pr.Kind != problem.NotFound {
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	name := r.PostForm.Get("name")
	added, err := s.Contacts.Add(ctx, p.User, contacts.Input{Address: addr, Name: name})
	if pr := problem.As(err); pr != nil && pr.Field == "name" {
		// The letter's name does not fit a contact's: add the address.
		added, err = s.Contacts.Add(ctx, p.User, contacts.Input{Address: addr})
	}
	if err != nil {
		s.renderContacts(w, r, p, s.contactsProblem(p, err))
		return
	}
	http.Redirect(w, r, "/contacts/"+url.PathEscape(added.ID)+"?done=added", http.StatusSeeOther)
}
