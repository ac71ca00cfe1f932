package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
)

// stepUp asks for the second factor, right after the password or when a
// page needs high (a personal letter, DMG §5(4)); the code makes the
// session high (TR ACM-FU: two independent factors).
func (s *Server) stepUp(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "stepup.title")
	next := localPathOr(r.FormValue("next"), "/mail/inbox")
	a := p.User.Account
	p.Data = stepUpData{Next: next, AfterLogin: r.FormValue("login") == "1",
		Enrolled: a.SecondFactor(), TOTP: a.TOTPEnabled, Passkey: s.passkeyOffered(r, p.User)}
	if p.User.Level() == account.High {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	if r.Method == http.MethodGet {
		s.render(w, r, "stepup", p, http.StatusOK)
		return
	}
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("totp_code")), " ", "")
	if err := s.Auth.StepUp(r.Context(), p.User, code); err != nil {
		p.Form.Del("totp_code")
		s.render(w, r, "stepup", p, s.problemOf(p, err, "totp_code"))
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

type stepUpData struct {
	Next       string
	AfterLogin bool
	Enrolled   bool // the account has a second factor to step up with
	// TOTP and Passkey: the factors offered (passkey.go: one for this
	// site, when passkeys work here).
	TOTP, Passkey bool
}

// stepUpURL is the step-up page that returns to next.
func stepUpURL(next string) string { return "/stepup?next=" + url.QueryEscape(next) }
