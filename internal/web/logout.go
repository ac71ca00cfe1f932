package web

import "net/http"

// logout ends the session here and in the store.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.Logout(r.Context(), userOf(r)); err != nil {
		s.Log.Warn("web: logout", "err", err)
	}
	s.clearSession(w)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
