package api

import "net/http"

func (s *Server) deleteLetter(w http.ResponseWriter, r *http.Request) {
	d, err := s.Mail.Delete(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, Deleted{Final: d.Final})
}
