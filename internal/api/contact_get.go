package api

import "net/http"

// getContact shows one contact of the holder's address book.
func (s *Server) getContact(w http.ResponseWriter, r *http.Request) {
	c, err := s.Contacts.Get(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, contactOut(c))
}
