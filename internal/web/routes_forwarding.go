package web

import "net/http"

// forwardingRoutes registers the automatic forwarding's settings page
// (settings_forwarding.go; TR PVD-FU §3.1.3.2): shown at any level, set
// at high, removed at any level. The overview links to it.
func (s *Server) forwardingRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /settings/forwarding", s.user(s.settingsForwarding))
	mux.HandleFunc("POST /settings/forwarding", s.user(s.settingsForwarding))
	mux.HandleFunc("POST /settings/forwarding/remove", s.user(s.removeForwarding))
}
