package api

import "net/http"

// getForwarding shows the holder's automatic forwarding, at any level.
func (s *Server) getForwarding(w http.ResponseWriter, r *http.Request) {
	f, err := s.Mail.Forwarding(r.Context(), principal(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, forwardingOut(f))
}
