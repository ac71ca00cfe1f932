package api

import "net/http"

// setQuota gives an account's mailbox a quota of its own, or returns it to
// the provider's default; the account is named by id or by address.
func (s *Server) setQuota(w http.ResponseWriter, r *http.Request) {
	var req QuotaRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, err := s.Reg.SetQuota(r.Context(), officer(r), r.PathValue("id"), req.MiB)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := adminAccountOut(a)
	if err := s.withQuota(r.Context(), &out.Account); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, out)
}
