package api

import "net/http"

func (s *Server) stepUp(w http.ResponseWriter, r *http.Request) {
	var req StepUpRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principal(r)
	if err := s.Auth.StepUp(r.Context(), p, req.TOTPCode); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sessionOut(p.Session, p.Account, ""))
}
