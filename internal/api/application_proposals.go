package api

import "net/http"

func (s *Server) proposeAddresses(w http.ResponseWriter, r *http.Request) {
	var req ApplicationRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	addrs, err := s.Reg.Propose(r.Context(), applicationIn(&req), 5)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, ProposalsResponse{Addresses: addrs})
}
