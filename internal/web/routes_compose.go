package web

import "net/http"

// composeRoutes registers the compose pages.
func (s *Server) composeRoutes(mux *http.ServeMux) {}
