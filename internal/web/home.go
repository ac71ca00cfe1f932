package web

import "net/http"

// home is the landing page: what this provider is, and the ways in. A
// logged-in user goes to the inbox.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	if s.principal(r) != nil {
		http.Redirect(w, r, "/mail/inbox", http.StatusSeeOther)
		return
	}
	s.render(w, r, "home", s.page(r, "home.title"), http.StatusOK)
}
