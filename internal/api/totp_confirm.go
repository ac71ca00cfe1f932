package api

import "net/http"

func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	var req TOTPConfirmRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principal(r)
	if err := s.Auth.ConfirmTOTP(r.Context(), p, req.TOTPCode); err != nil {
		s.writeError(w, r, err)
		return
	}
	a := *p.Account
	a.TOTPEnabled = true
	writeJSON(w, http.StatusOK, accountOut(&a))
}
