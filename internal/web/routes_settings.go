package web

import "net/http"

// settingsRoutes registers the settings pages: the overview (settings.go)
// with the language (settings_language.go) and the sessions
// (settings_sessions.go), the second factor (settings_totp.go) and the
// password (settings_password.go). All are the logged-in holder's own.
func (s *Server) settingsRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /settings", s.user(s.settings))
	mux.HandleFunc("POST /settings/language", s.user(s.settingsLanguage))
	mux.HandleFunc("POST /settings/sessions/revoke", s.user(s.revokeSession))
	mux.HandleFunc("POST /settings/sessions/revoke-others", s.user(s.revokeOtherSessions))
	mux.HandleFunc("GET /settings/totp", s.user(s.settingsTOTP))
	mux.HandleFunc("POST /settings/totp", s.user(s.settingsTOTP))
	mux.HandleFunc("POST /settings/totp/confirm", s.user(s.confirmTOTP))
	mux.HandleFunc("GET /settings/password", s.user(s.settingsPassword))
	mux.HandleFunc("POST /settings/password", s.user(s.settingsPassword))
}
