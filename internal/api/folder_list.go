package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/mailbox"
)

// listFolders lists the holder's own folders (TR PVD-FU §3.1.3.7).
func (s *Server) listFolders(w http.ResponseWriter, r *http.Request) {
	list, err := s.Mail.Folders(r.Context(), principal(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := FolderList{Folders: make([]Folder, 0, len(list))}
	for i := range list {
		out.Folders = append(out.Folders, folderOut(&list[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func folderOut(f *mailbox.FolderInfo) Folder {
	return Folder{ID: f.ID, Folder: string(f.Folder()), Name: f.Name, Letters: f.Letters, CreatedAt: f.CreatedAt.UTC()}
}
