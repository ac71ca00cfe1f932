package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/store"
)

// composeContacts is the holder's address book for the compose form's
// recipient fields (TR PVD-FU §3.1.3.5): each field has a picker whose
// <datalist> offers the contacts. A book that cannot be read offers
// nothing; the letter can still be written.
func (s *Server) composeContacts(r *http.Request, p *Page) []store.Contact {
	if s.Contacts == nil {
		return nil
	}
	list, err := s.Contacts.All(r.Context(), p.User)
	if err != nil {
		s.Log.Warn("web: compose: contacts", "account", p.User.Account.ID, "err", err)
		return nil
	}
	return list
}

// addContactPicks moves what was picked in a recipient field's picker
// (to_contact, cc_contact, bcc_contact) into that field, for a browser
// without JavaScript; with it, static/contacts.js has moved it already.
// The form shown again after an error then shows it in its field.
func addContactPicks(f url.Values) {
	for _, field := range []string{"to", "cc", "bcc"} {
		pick := f.Get(field + "_contact")
		f.Del(field + "_contact")
		if pick == "" {
			continue
		}
		if v := f.Get(field); v != "" {
			pick = v + ", " + pick
		}
		f.Set(field, pick)
	}
}
