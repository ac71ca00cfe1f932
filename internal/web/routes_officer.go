package web

import "net/http"

// officerRoutes registers the officers' console: login and logout
// (officer_login.go, officer_logout.go), the pending applications and the
// lookup (officer.go), an account (officer_account.go) and the actions on
// it (officer_verify.go, officer_confirm.go, officer_block.go,
// officer_close.go). Every page but the login needs an officer token.
func (s *Server) officerRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /officer/login", s.officerLogin)
	mux.HandleFunc("POST /officer/login", s.officerLogin)
	mux.HandleFunc("POST /officer/logout", s.officerLogout)
	mux.HandleFunc("GET /officer", s.officerOnly(s.officerHome))
	mux.HandleFunc("GET /officer/account/{id}", s.officerOnly(s.officerAccount))
	mux.HandleFunc("POST /officer/account/{id}/verify", s.officerOnly(s.officerVerify))
	mux.HandleFunc("POST /officer/account/{id}/confirm", s.officerOnly(s.officerConfirm))
	mux.HandleFunc("POST /officer/account/{id}/block", s.officerOnly(s.officerBlock))
	mux.HandleFunc("POST /officer/account/{id}/close", s.officerOnly(s.officerClose))
	mux.HandleFunc("POST /officer/account/{id}/quota", s.officerOnly(s.officerQuota))
}
