package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/contacts"
)

// updateContact replaces a contact's address, name and note.
func (s *Server) updateContact(w http.ResponseWriter, r *http.Request) {
	var req ContactRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.Contacts.Edit(r.Context(), principal(r), r.PathValue("id"),
		contacts.Input{Address: req.Address, Name: req.Name, Note: req.Note})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactOut(c))
}
