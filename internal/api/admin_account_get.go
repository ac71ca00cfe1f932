package api

import (
	"encoding/json"
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
)

func (s *Server) getAccount(w http.ResponseWriter, r *http.Request) {
	a, hist, err := s.Reg.Account(r.Context(), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := AccountDetail{Account: adminAccountOut(a), History: []HistoryEntry{},
		HistoryIntact: account.VerifyChain(hist) == nil}
	if err := s.withQuota(r.Context(), &out.Account.Account); err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, e := range hist {
		out.History = append(out.History, HistoryEntry{Seq: e.Seq, At: e.At, Action: e.Action, Actor: e.Actor,
			Detail: json.RawMessage(e.Detail), Hash: e.Hash})
	}
	writeJSON(w, http.StatusOK, out)
}
