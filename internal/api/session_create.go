package api

import "net/http"

func (s *Server) createSession(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	token, p, err := s.Auth.Login(r.Context(), req.Address, req.Password, req.TOTPCode)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sessionOut(p.Session, p.Account, token))
}
