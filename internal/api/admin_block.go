package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

func (s *Server) blockAccount(w http.ResponseWriter, r *http.Request) {
	var req BlockRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	b := account.Block(req.Block)
	switch b {
	case account.NoBlock, account.FullBlock, account.HighBlock, account.NormalBlock, account.UsageBlock:
	default:
		s.writeError(w, r, problem.Field("block", "invalid", "block must be full, high, normal, usage, or empty to lift it"))
		return
	}
	a, err := s.Reg.SetBlock(r.Context(), officer(r), r.PathValue("id"), b, req.Reason)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, adminAccountOut(a))
}
