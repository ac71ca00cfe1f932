package api

import "net/http"

func (s *Server) getSession(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	out := sessionOut(p.Session, p.Account, "")
	if err := s.withQuota(r.Context(), &out.Account); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
