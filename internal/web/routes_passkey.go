package web

import "net/http"

// passkeyRoutes registers the passkeys' requests (passkey.go): adding one
// in the settings and stepping up with one, each in two steps that
// passkey.js makes with JSON (the options for the browser, then its
// answer), and removing one with a form. The settings page lists them
// (settings.html), the step-up page offers them (stepup.html).
func (s *Server) passkeyRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /settings/passkeys/options", s.userJSON(s.passkeyAddOptions))
	mux.HandleFunc("POST /settings/passkeys", s.userJSON(s.passkeyAdd))
	mux.HandleFunc("POST /settings/passkeys/remove", s.user(s.passkeyRemove))
	mux.HandleFunc("POST /stepup/passkey/options", s.userJSON(s.passkeyStepUpOptions))
	mux.HandleFunc("POST /stepup/passkey", s.userJSON(s.passkeyStepUp))
}
