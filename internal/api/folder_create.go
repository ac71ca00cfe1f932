package api

import "net/http"

// createFolder makes a folder.
func (s *Server) createFolder(w http.ResponseWriter, r *http.Request) {
	var req FolderRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.Mail.CreateFolder(r.Context(), principal(r), req.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, folderOut(f))
}
