package api

import "net/http"

func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.Logout(r.Context(), principal(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
