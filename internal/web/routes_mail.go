package web

import "net/http"

// mailRoutes registers the mail pages: the folders, a letter with its
// evidence, its attachments and evidence files, and deletion.
func (s *Server) mailRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /mail/{$}", s.user(s.mailHome))
	mux.HandleFunc("GET /mail/{folder}", s.user(s.folder))
	mux.HandleFunc("GET /letter/{id}", s.user(s.letter))
	mux.HandleFunc("GET /letter/{id}/attachment/{n}", s.user(s.attachment))
	mux.HandleFunc("POST /letter/{id}/delete", s.user(s.deleteLetter))
	mux.HandleFunc("POST /letter/{id}/restore", s.user(s.restoreLetter))
	mux.HandleFunc("GET /evidence/{id}", s.user(s.evidenceFile))
}
