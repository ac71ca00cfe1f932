package api

import "net/http"

// deleteFolder deletes an empty folder.
func (s *Server) deleteFolder(w http.ResponseWriter, r *http.Request) {
	if err := s.Mail.DeleteFolder(r.Context(), principal(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
