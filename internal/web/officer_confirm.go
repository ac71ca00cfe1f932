package web

import "net/http"

// officerConfirm is the second officer's confirmation of data a first
// officer typed in (four-eyes principle, TR ACM-FU §2.3). The service
// refuses the officer who entered the data; the refusal shows next to the
// button. Confirming completes the verification, and the page shows the
// initial password, once.
func (s *Server) officerConfirm(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.account.title")
	res, err := s.Reg.Confirm(r.Context(), officerOf(r), r.PathValue("id"))
	if err != nil {
		// The service names the officer as the field; on the page that
		// is the confirm button.
		alias := func(f string) string {
			if f == "officer" {
				return "confirm"
			}
			return f
		}
		s.showOfficerAccount(w, r, p, s.regProblem(p, err, "officer", alias, "confirm"))
		return
	}
	s.showInitialPassword(w, r, res.Account, res.Password)
}
