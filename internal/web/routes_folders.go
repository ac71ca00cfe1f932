package web

import "net/http"

// folderRoutes registers the holder's own folders of folders.go (TR
// PVD-FU §3.1.3.7): the list with the form to make one, a folder's page
// with its rename and delete, and moving and copying a letter.
func (s *Server) folderRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /folders", s.user(s.folders))
	mux.HandleFunc("POST /folders", s.user(s.folders))
	mux.HandleFunc("GET /mail/f/{id}", s.user(s.userFolder))
	mux.HandleFunc("POST /folders/{id}/rename", s.user(s.renameFolder))
	mux.HandleFunc("POST /folders/{id}/delete", s.user(s.deleteFolder))
	mux.HandleFunc("POST /letter/{id}/move", s.user(s.moveLetter))
	mux.HandleFunc("POST /letter/{id}/copy", s.user(s.copyLetter))
}
