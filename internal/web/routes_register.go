package web

import "net/http"

// registerRoutes registers the public application pages: the form and its
// proposals (register.go), applying with the chosen address
// (register_choose.go) and an application's status (register_status.go).
func (s *Server) registerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /register", s.register)
	mux.HandleFunc("POST /register", s.register)
	mux.HandleFunc("POST /register/apply", s.registerApply)
	mux.HandleFunc("GET /register/{id}", s.registerStatus)
}
