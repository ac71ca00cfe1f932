package api

import (
	"mime"
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// exportFolder streams a folder as an mbox (RFC 4155, mboxrd, CRLF; TR
// PVD-FU §3.1.3.4, PVD-IO §3.6), newest letter first. Below high a
// personal letter is left out, and the trailer Siegel-Export-Withheld
// counts it (DMG §5(4)).
func (s *Server) exportFolder(w http.ResponseWriter, r *http.Request) {
	folder := r.PathValue("folder")
	e := &exportStream{w: w, contentType: "application/mbox",
		disposition: mime.FormatMediaType("attachment", map[string]string{"filename": folder + ".mbox"})}
	st, err := s.Mail.ExportFolder(r.Context(), principal(r), store.Folder(folder), e)
	s.finishExport(w, r, e, st, err)
}
