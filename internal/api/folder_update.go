package api

import "net/http"

// renameFolder names a folder anew; its letters stay in it.
func (s *Server) renameFolder(w http.ResponseWriter, r *http.Request) {
	var req FolderRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	f, err := s.Mail.RenameFolder(r.Context(), principal(r), r.PathValue("id"), req.Name)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, folderOut(f))
}
