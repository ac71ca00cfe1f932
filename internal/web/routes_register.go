package web

import "net/http"

// registerRoutes registers the register pages.
func (s *Server) registerRoutes(mux *http.ServeMux) {}
