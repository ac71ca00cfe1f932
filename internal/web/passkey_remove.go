package web

import (
	"net/http"
)

// passkeyRemove removes a passkey (a form of the settings page, which
// shows the result).
func (s *Server) passkeyRemove(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "settings.title")
	if err := s.Auth.RemovePasskey(r.Context(), p.User, r.PostFormValue("passkey")); err != nil {
		s.renderSettings(w, r, p, s.passkeyProblem(p, err))
		return
	}
	http.Redirect(w, r, "/settings?done=passkey_removed#passkeys", http.StatusSeeOther)
}
