package api

import "net/http"

// getLetterRaw gives the copy exactly as stored, for mail clients and for
// checking the integrity value.
func (s *Server) getLetterRaw(w http.ResponseWriter, r *http.Request) {
	o, err := s.Mail.Open(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "message/rfc822")
	w.Header().Set("Content-Disposition", `attachment; filename="`+o.Copy.ID+`.eml"`)
	w.Write(o.Raw)
}
