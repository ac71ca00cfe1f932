package web

import "net/http"

// officerLogout forgets the officer token in this browser. The token
// itself stays valid: it is the officer's credential, which only an
// operator revokes.
func (s *Server) officerLogout(w http.ResponseWriter, r *http.Request) {
	if o := s.officer(r); o != nil {
		s.Log.Info("web: officer logged out", "officer", o.ID)
	}
	http.SetCookie(w, s.cookie(officerCookie, "", -1))
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
