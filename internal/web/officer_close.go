package web

import (
	"net/http"
	"net/url"
	"strings"
)

// officerClose closes an account (DMG §10(4); TR ACM-FU §3.8.3): the
// holder's data is deleted, sessions end, mail to the address is refused
// from then on, and the address is not given to anyone for 30 years; it
// cannot be undone. So it takes two steps: the account page's form asks
// for the reason and leads here, where the officer sees what will happen
// and confirms (confirm=yes) or goes back.
func (s *Server) officerClose(w http.ResponseWriter, r *http.Request) {
	reason := strings.TrimSpace(r.PostFormValue("close_reason"))
	// TR PVD-FU §3.1.3.3: the closure may carry a forwarding order.
	forward := strings.TrimSpace(r.PostFormValue("forward_to"))
	if r.PostFormValue("confirm") != "yes" {
		p := s.officerPage(r, "officer.account.title")
		if reason == "" {
			// The service refuses it too; asking now spares the officer a
			// confirmation that could only fail.
			p.Errors["close_reason"] = p.T("officer.err.close_reason.required")
			s.showOfficerAccount(w, r, p, http.StatusBadRequest)
			return
		}
		a, _, err := s.Reg.Account(r.Context(), r.PathValue("id"))
		if err != nil {
			s.render(w, r, "error", p, s.problemOf(p, err))
			return
		}
		p.Title = "officer.close.title"
		p.Data = officerCloseData{ID: a.ID, Address: a.Address, Name: a.DisplayName, Reason: reason, Forward: forward}
		s.render(w, r, "officer_close", p, http.StatusOK)
		return
	}
	p := s.officerPage(r, "officer.account.title")
	a, err := s.Reg.Close(r.Context(), officerOf(r), r.PathValue("id"), reason, forward)
	if err != nil {
		alias := func(f string) string {
			if f == "reason" {
				return "close_reason"
			}
			return f
		}
		s.showOfficerAccount(w, r, p, s.regProblem(p, err, "officer", alias, "close_reason", "forward_to"))
		return
	}
	http.Redirect(w, r, "/officer/account/"+url.PathEscape(a.ID)+"?done=closed", http.StatusSeeOther)
}

type officerCloseData struct{ ID, Address, Name, Reason, Forward string }
