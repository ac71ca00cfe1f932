package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
)

// settings is the overview of the holder's own account: address, kind,
// the login level now, the second factor, the language and the sessions,
// with the ways to change each. The forms of the language and the sessions
// act here too (settings_language.go, settings_sessions.go); the second
// factor and the password have pages of their own.
func (s *Server) settings(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "settings.title")
	p.Notice = settingsNotice(r.URL.Query().Get("done"))
	s.renderSettings(w, r, p, http.StatusOK)
}

// settingsData is what the overview shows besides the principal.
type settingsData struct {
	Kind      string // message key
	Pseudonym bool
	// Factor is the second factor's state: "on", "pending" (enrolment
	// started, first code not yet given) or "off".
	Factor string
	// StepUp offers the step-up: a factor exists, the session is normal.
	StepUp   bool
	Sessions []auth.SessionInfo
	Others   bool // sessions besides this one
	// Passkeys is the passkeys' section (passkey.go).
	Passkeys *passkeyData
}

// renderSettings shows the overview with p's notice or errors.
func (s *Server) renderSettings(w http.ResponseWriter, r *http.Request, p *Page, status int) {
	a := p.User.Account
	sessions, err := s.Auth.Sessions(r.Context(), p.User)
	if err != nil {
		s.Log.Error("web: settings: sessions", "account", a.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	// A passkey is a second factor too (passkey.go).
	d := settingsData{Kind: "settings.kind." + string(a.Kind), Pseudonym: a.Pseudonym, Factor: "off",
		StepUp: a.SecondFactor() && p.User.Level() != account.High, Sessions: sessions, Others: len(sessions) > 1}
	if d.Passkeys, err = s.passkeySettings(r, p.User); err != nil {
		s.Log.Error("web: settings: passkeys", "account", a.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	switch {
	case a.TOTPEnabled:
		d.Factor = "on"
	case len(a.TOTPPending) > 0:
		d.Factor = "pending"
	}
	p.Data = d
	s.render(w, r, "settings", p, status)
}

// settingsNotice is the message key of what the settings' redirect says
// was done: only those known, so a link cannot make the page say anything
// else.
func settingsNotice(done string) string {
	switch done {
	case "totp", "password", "revoked", "others", "gone", "language", "passkey", "passkey_removed":
		return "settings.done." + done
	}
	return ""
}

// settingsProblem is problemOf with the settings' own texts: a refusal
// reads settings.err.<field>.<code>, else settings.err.<code>, in the
// page's language; without either, problemOf decides.
func (s *Server) settingsProblem(p *Page, err error, fields ...string) int {
	pr := problem.As(err)
	if pr == nil {
		return s.problemOf(p, err, fields...)
	}
	keys := []string{"settings.err." + pr.Code}
	if pr.Field != "" {
		keys = append([]string{"settings.err." + pr.Field + "." + pr.Code}, keys...)
	}
	for _, key := range keys {
		if !s.cat.has(key) {
			continue
		}
		if contains(fields, pr.Field) {
			p.Errors[pr.Field] = p.T(key)
		} else {
			p.Error = p.T(key)
		}
		return statusOf(pr.Kind)
	}
	return s.problemOf(p, err, fields...)
}
