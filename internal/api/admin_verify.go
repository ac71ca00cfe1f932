package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
)

func (s *Server) verifyAccount(w http.ResponseWriter, r *http.Request) {
	var req VerifyRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	v := account.Verification{Method: account.Method(req.Method), DocumentType: req.DocumentType,
		DocumentDate: req.DocumentDate}
	res, err := s.Reg.Verify(r.Context(), officer(r), r.PathValue("id"), v)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, VerifyResponse{Account: adminAccountOut(res.Account), InitialPassword: res.Password})
}
