package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
)

// settingsPassword is the password page: the current password, the new
// one twice. The rules are auth.ChangePassword's (the current one checked
// and counted like a login, the new one by the provider's policy, other
// sessions ended, the change in the account's history); this page only
// checks that the new one was typed the same twice. On success the
// overview says so. Passwords are never shown again, not even after an
// error.
func (s *Server) settingsPassword(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "settings.password.title")
	u := p.User
	p.Data = passwordData{NeedHigh: u.Account.SecondFactor() && u.Level() != account.High}
	if r.Method == http.MethodGet {
		s.render(w, r, "settings_password", p, http.StatusOK)
		return
	}
	current, next, repeat := r.PostFormValue(auth.FieldCurrentPassword), r.PostFormValue(auth.FieldNewPassword),
		r.PostFormValue("new_password2")
	p.Form = nil
	switch {
	case next != "" && repeat == "":
		p.Errors["new_password2"] = p.T("settings.err.new_password2.required")
	case next != repeat:
		p.Errors["new_password2"] = p.T("settings.err.new_password2.mismatch")
	}
	if len(p.Errors) > 0 {
		s.render(w, r, "settings_password", p, http.StatusBadRequest)
		return
	}
	if err := s.Auth.ChangePassword(r.Context(), u, current, next, s.argon2()); err != nil {
		s.render(w, r, "settings_password", p,
			s.settingsProblem(p, err, auth.FieldCurrentPassword, auth.FieldNewPassword))
		return
	}
	http.Redirect(w, r, "/settings?done=password", http.StatusSeeOther)
}

type passwordData struct {
	// NeedHigh: the account has a second factor and this session is
	// normal, so the change needs a step-up first.
	NeedHigh bool
}

// argon2 is the provider's cost of new password hashes: the one
// registration makes initial passwords with.
func (s *Server) argon2() account.Argon2Params {
	if s.Reg == nil {
		return account.DefaultArgon2()
	}
	return s.Reg.Argon2
}
