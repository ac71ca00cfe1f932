package api

import (
	"net/http"
	"strconv"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

func (s *Server) listAccounts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 100
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 500 {
			s.writeError(w, r, problem.Field("limit", "invalid", "limit must be between 1 and 500"))
			return
		}
		limit = n
	}
	status := account.Status(q.Get("status"))
	accs, err := s.Reg.List(r.Context(), status, q.Get("after"), limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := AccountList{Accounts: []AdminAccount{}}
	for i := range accs {
		if i == limit {
			out.Next = accs[i-1].ID
			break
		}
		out.Accounts = append(out.Accounts, adminAccountOut(&accs[i]))
	}
	writeJSON(w, http.StatusOK, out)
}
