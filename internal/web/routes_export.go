package web

import "net/http"

// exportRoutes registers the downloads of export_*.go (TR PVD-FU
// §3.1.3.4, PVD-IO §3.6): a letter as a .eml file, a folder as an mbox,
// the whole account as a zip archive with its evidence and index.
func (s *Server) exportRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /export/letter/{id}", s.user(s.exportLetter))
	mux.HandleFunc("GET /export/folder/{folder}", s.user(s.exportFolder))
	mux.HandleFunc("GET /export/account", s.user(s.exportAccount))
}
