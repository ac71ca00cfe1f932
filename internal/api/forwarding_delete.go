package api

import "net/http"

// deleteForwarding ends the holder's automatic forwarding, at any level
// (DMG §5(11): withdrawn at any time).
func (s *Server) deleteForwarding(w http.ResponseWriter, r *http.Request) {
	if err := s.Mail.RemoveForwarding(r.Context(), principal(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
