package api

import "net/http"

func (s *Server) closeAccount(w http.ResponseWriter, r *http.Request) {
	var req CloseRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Reg.Close(r.Context(), officer(r), r.PathValue("id"), req.Reason, req.ForwardTo)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminAccountOut(a))
}
