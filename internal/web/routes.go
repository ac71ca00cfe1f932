package web

import "net/http"

// routes registers every page; each part registers its own, in its files.
func (s *Server) routes(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", s.home)
	mux.HandleFunc("POST /lang", s.setLang)
	s.loginRoutes(mux)
	s.mailRoutes(mux)
	s.composeRoutes(mux)
	s.registerRoutes(mux)
	s.officerRoutes(mux)
	s.settingsRoutes(mux)
	s.passkeyRoutes(mux) // routes_passkey.go
	s.exportRoutes(mux)  // routes_export.go
	s.contactRoutes(mux) // routes_contacts.go
	s.folderRoutes(mux)  // routes_folders.go
	s.forwardingRoutes(mux)
}

// The parts: login.go (login, second factor, step-up, logout), mail_*.go
// (folders, letters, evidence, attachments, deletion), compose*.go,
// register*.go (applications and their status), officer*.go (the
// officers' console), settings*.go (TOTP, language, password, sessions).
