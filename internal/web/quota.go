package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
)

// showQuota puts the mailbox's usage on p, for the banner the layout
// shows when it is nearly full (under 10 % free) or full (SPEC "Limits").
// A failed read leaves the page without the banner: the page itself is
// what was asked for.
func (s *Server) showQuota(r *http.Request, p *Page) {
	if p.User == nil {
		return
	}
	q, err := s.Mail.Quota(r.Context(), p.User.Account.ID)
	if err != nil {
		s.Log.Warn("web: mailbox usage unread", "account", p.User.Account.ID, "err", err)
		return
	}
	p.Quota = &q
}

// MiB is n bytes as a quota is read, in the page's language: "87,5 MiB".
func (p *Page) MiB(n int64) string {
	s := account.MiB(n)
	if p.Lang == "de" {
		s = strings.Replace(s, ".", ",", 1)
	}
	return s
}

// quotaForm reads an officer's quota in MiB; -1 when it is not a number.
func quotaForm(v string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return -1
	}
	return n
}
