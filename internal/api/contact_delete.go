package api

import "net/http"

// deleteContact removes a contact from the holder's address book.
func (s *Server) deleteContact(w http.ResponseWriter, r *http.Request) {
	if err := s.Contacts.Remove(r.Context(), principal(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
