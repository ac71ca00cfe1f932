package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
)

// officerBlock sets or lifts an account's block (DMG §10(1); TR ACM-FU
// §3.6): a full block (no login, mail refused with a notice to the
// sender), an access block for one login level, or a usage restriction
// (read only). A block needs a reason for the account's history; the
// service records it with the officer.
func (s *Server) officerBlock(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.account.title")
	b := account.Block(r.PostFormValue("block"))
	if !b.Valid() {
		p.Errors["block"] = p.T("officer.err.block.invalid")
		s.showOfficerAccount(w, r, p, http.StatusBadRequest)
		return
	}
	a, err := s.Reg.SetBlock(r.Context(), officerOf(r), r.PathValue("id"), b, strings.TrimSpace(r.PostFormValue("block_reason")))
	if err != nil {
		alias := func(f string) string {
			if f == "reason" {
				return "block_reason"
			}
			return f
		}
		s.showOfficerAccount(w, r, p, s.regProblem(p, err, "officer", alias, "block", "block_reason"))
		return
	}
	done := "blocked"
	if b == account.NoBlock {
		done = "unblocked"
	}
	http.Redirect(w, r, "/officer/account/"+url.PathEscape(a.ID)+"?done="+done, http.StatusSeeOther)
}
