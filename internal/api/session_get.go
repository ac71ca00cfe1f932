package api

import "net/http"

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	writeJSON(w, http.StatusOK, sessionOut(p.Session, p.Account, ""))
}
