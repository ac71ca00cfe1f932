package web

import "net/http"

// mailRoutes registers the mail pages.
func (s *Server) mailRoutes(mux *http.ServeMux) {}
