package web

import "net/http"

// officerRoutes registers the officer pages.
func (s *Server) officerRoutes(mux *http.ServeMux) {}
