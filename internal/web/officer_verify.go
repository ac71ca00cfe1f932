package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
)

// officerVerify records the identity verification an officer just did
// (DMG §3(3); TR ACM-FU §2.3): the method, the document type, and for a
// register extract its date; the service adds the officer and the time.
// No document number and no copy are taken (DMG §3(3) sentences 2, 3). A
// document typed in by hand waits for a second officer (four-eyes); an
// electronic check completes the verification at once, and the page shows
// the initial password, once.
func (s *Server) officerVerify(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.account.title")
	v := account.Verification{Method: account.Method(r.PostFormValue("verification.method")),
		DocumentType: strings.TrimSpace(r.PostFormValue("verification.document_type")),
		DocumentDate: strings.TrimSpace(r.PostFormValue("verification.document_date"))}
	res, err := s.Reg.Verify(r.Context(), officerOf(r), r.PathValue("id"), v)
	if err != nil {
		status := s.regProblem(p, err, "officer", nil,
			"verification.method", "verification.document_type", "verification.document_date")
		s.showOfficerAccount(w, r, p, status)
		return
	}
	if res.Password == "" {
		http.Redirect(w, r, "/officer/account/"+url.PathEscape(res.Account.ID)+"?done=verified_manual", http.StatusSeeOther)
		return
	}
	s.showInitialPassword(w, r, res.Account, res.Password)
}
