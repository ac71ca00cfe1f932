package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/problem"
)

func (s *Server) createOfficer(w http.ResponseWriter, r *http.Request) {
	if err := requireOperator(officer(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	var req OfficerRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Name == "" {
		s.writeError(w, r, problem.Field("name", "required", "an officer needs a name"))
		return
	}
	o, token, err := s.Reg.AddOfficer(r.Context(), req.Name, req.Role)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, Officer{ID: o.ID, Name: o.Name, Role: o.Role, Token: token})
}
