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
	switch f {
	case store.Inbox, store.Sent, store.Confirmations, store.Trash:
	default:
		s.fail(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	d := &download{w: w, contentType: "application/mbox", filename: string(f) + ".mbox"}
	_, err := s.Mail.ExportFolder(r.Context(), userOf(r), f, d)
	s.finish(w, r, d, err)
}
