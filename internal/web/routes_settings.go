package web

import "net/http"

// settingsRoutes registers the settings pages.
func (s *Server) settingsRoutes(mux *http.ServeMux) {}
