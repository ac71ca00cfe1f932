package api

import "net/http"

func (s *Server) confirmAccount(w http.ResponseWriter, r *http.Request) {
	res, err := s.Reg.Confirm(r.Context(), officer(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, VerifyResponse{Account: adminAccountOut(res.Account), InitialPassword: res.Password})
}
