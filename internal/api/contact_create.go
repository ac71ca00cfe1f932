package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/contacts"
)

// createContact adds a contact to the holder's address book.
func (s *Server) createContact(w http.ResponseWriter, r *http.Request) {
	var req ContactRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Contacts.Add(r.Context(), principal(r), contacts.Input{Address: req.Address, Name: req.Name, Note: req.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, contactOut(c))
}
