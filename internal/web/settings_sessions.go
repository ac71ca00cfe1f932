package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/problem"
)

// revokeSession ends one of the holder's sessions, named by its opaque id
// (auth.SessionID: never the token or its hash). Ending this very session
// logs out, as the holder was told before (settings.html). A session that
// has ended meanwhile is no error: the holder wanted it gone.
func (s *Server) revokeSession(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	current, err := s.Auth.RevokeSession(r.Context(), u, r.PostFormValue("session"))
	if pr := problem.As(err); pr != nil && pr.Kind == problem.NotFound {
		http.Redirect(w, r, "/settings?done=gone#sessions", http.StatusSeeOther)
		return
	}
	if err != nil {
		s.Log.Error("web: revoke session", "account", u.Account.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	if current {
		s.clearSession(w)
		http.Redirect(w, r, "/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/settings?done=revoked#sessions", http.StatusSeeOther)
}

// revokeOtherSessions ends every session of the holder's but this one:
// after a lost phone, a shared computer, a password that got out.
func (s *Server) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	if _, err := s.Auth.RevokeOtherSessions(r.Context(), u); err != nil {
		if pr := problem.As(err); pr != nil && pr.Code == "unauthenticated" {
			// This session ended meanwhile: log in again.
			s.clearSession(w)
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		s.Log.Error("web: revoke other sessions", "account", u.Account.ID, "err", err)
		s.fail(w, r, http.StatusInternalServerError, "err.internal")
		return
	}
	http.Redirect(w, r, "/settings?done=others#sessions", http.StatusSeeOther)
}
