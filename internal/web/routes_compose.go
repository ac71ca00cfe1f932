package web

import "net/http"

// composeRoutes registers the compose page and its address check.
func (s *Server) composeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /compose", s.user(s.compose))
	mux.HandleFunc("POST /compose", s.user(s.compose))
	// Not behind s.user: a script asks, and gets JSON, not a login page.
	mux.HandleFunc("GET /compose/check", s.composeCheck)
}
