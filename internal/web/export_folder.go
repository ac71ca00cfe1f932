package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// exportFolder offers a folder as an mbox (RFC 4155, mboxrd, CRLF; TR
// PVD-FU §3.1.3.4), streamed a page of the store at a time. Below high
// personal letters are left out, as the link's text says (DMG §5(4)).
func (s *Server) exportFolder(w http.ResponseWriter, r *http.Request) {
	f := store.Folder(r.PathValue("folder"))
	name := string(f)
	switch f {
	case store.Inbox, store.Sent, store.Confirmations, store.Trash:
	default:
		// One of the holder's folders (folders.go): f:ID.
		id, ok := f.UserFolderID()
		if !ok {
			s.fail(w, r, http.StatusNotFound, "err.not_found")
			return
		}
		if _, err := s.Mail.FolderByID(r.Context(), userOf(r), id); err != nil {
			s.fail(w, r, http.StatusNotFound, "err.not_found")
			return
		}
		name = "folder-" + id
	}
	d := &download{w: w, contentType: "application/mbox", filename: name + ".mbox"}
	_, err := s.Mail.ExportFolder(r.Context(), userOf(r), f, d)
	s.finish(w, r, d, err)
}
