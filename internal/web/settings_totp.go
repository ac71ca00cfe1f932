package web

import (
	"encoding/base64"
	"html/template"
	"net/http"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// settingsTOTP is the second factor's page (DMG §4: level high needs two
// independent factors; TR ACM-FU §3.1: one-time data). GET shows its state:
// an enrolment waiting for its first code, with the key as a QR code and as
// text, or the factor enabled, or the way to begin. POST begins an
// enrolment (auth.EnrollTOTP: a new key, which waits beside an enabled
// factor until its first code confirms it) and then shows it by redirect,
// so that reloading the page does not make yet another key.
func (s *Server) settingsTOTP(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "settings.totp.title")
	if r.Method == http.MethodPost {
		if _, err := s.Auth.EnrollTOTP(r.Context(), p.User); err != nil {
			s.renderTOTP(w, r, p, s.settingsProblem(p, err))
			return
		}
		http.Redirect(w, r, "/settings/totp#confirm", http.StatusSeeOther)
		return
	}
	s.renderTOTP(w, r, p, http.StatusOK)
}

// confirmTOTP takes the first code of the waiting key and so switches the
// factor on (auth.ConfirmTOTP), or shows the key again with the error next
// to the code.
func (s *Server) confirmTOTP(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "settings.totp.title")
	code := strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("totp_code")), " ", "")
	// One-time data, never shown again. (p.Form is r.PostForm: read first.)
	p.Form.Del("totp_code")
	u := p.User
	if u.Account.SecondFactor() && u.Level() != account.High { // TOTP or a passkey
		// EnrollTOTP's rule, kept here too: only a session at high may put
		// a new key in place of the factor the account has.
		p.Error = p.T("err.login_level")
		s.renderTOTP(w, r, p, http.StatusForbidden)
		return
	}
	if code == "" {
		p.Errors["totp_code"] = p.T("settings.err.totp_code.required")
		s.renderTOTP(w, r, p, http.StatusBadRequest)
		return
	}
	if err := s.Auth.ConfirmTOTP(r.Context(), u, code); err != nil {
		s.renderTOTP(w, r, p, s.settingsProblem(p, err, "totp_code"))
		return
	}
	s.Log.Info("web: second factor enabled", "account", u.Account.ID)
	http.Redirect(w, r, "/settings?done=totp", http.StatusSeeOther)
}

// totpData is what the second factor's page shows.
type totpData struct {
	Enabled bool
	// MayEnrol: no factor yet, or a session at high, which may replace it.
	MayEnrol bool
	// Pending: a key waits for its first code; QR is its otpauth URI as a
	// PNG data URL, Secret the key in groups of four for typing.
	Pending bool
	QR      template.URL
	Secret  string
}

// renderTOTP shows the second factor's page with p's errors.
func (s *Server) renderTOTP(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	u := p.User
	d := totpData{Enabled: u.Account.TOTPEnabled, MayEnrol: !u.Account.SecondFactor() || u.Level() == account.High}
	if d.MayEnrol {
		en, err := s.Auth.PendingTOTP(r.Context(), u)
		if err != nil && problem.As(err) == nil {
			s.Log.Error("web: pending second factor", "account", u.Account.ID, "err", err)
			s.fail(w, r, http.StatusInternalServerError, "err.internal")
			return
		}
		if en != nil {
			png, err := qrcode.Encode(en.URI, qrcode.Medium, -6)
			if err != nil {
				s.Log.Error("web: QR code", "account", u.Account.ID, "err", err)
				s.fail(w, r, http.StatusInternalServerError, "err.internal")
				return
			}
			// A data URL, not a link to the image: the key never travels
			// in a URL or lands in a cache (CSP: img-src data:).
			d.Pending = true
			d.QR = template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
			d.Secret = groupsOf4(en.Secret)
		}
	}
	if msg := p.Errors["totp_code"]; msg != "" && !d.Pending {
		// No code field to put it next to: the enrolment is gone.
		p.Error = msg
		delete(p.Errors, "totp_code")
	}
	p.Data = d
	s.render(w, r, "settings_totp", p, status)
}

// groupsOf4 writes a key in groups of four characters, for reading it off
// the screen; authenticator apps ignore the spaces.
func groupsOf4(key string) string {
	var b strings.Builder
	for i, c := range key {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}
