package api

import "net/http"

func (s *Server) enrollTOTP(w http.ResponseWriter, r *http.Request) {
	e, err := s.Auth.EnrollTOTP(r.Context(), principal(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, TOTPEnrollment{Secret: e.Secret, URI: e.URI})
}
