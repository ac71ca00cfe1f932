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
	out := sessionOut(p.Session, p.Account, token)
	// The mailbox's usage is a courtesy here: a failed read must not lose
	// the session just opened, whose token is shown only now.
	if err := s.withQuota(r.Context(), &out.Account); err != nil {
		logger(r).Warn("mailbox usage unread at login", "err", err)
	}
	writeJSON(w, http.StatusCreated, out)
}
