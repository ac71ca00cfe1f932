package api

import "net/http"

func (s *Server) restoreLetter(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	c, err := s.Mail.Restore(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summaryOut(c, p.Level()))
}
