package api

import (
	"mime"
	"net/http"

	"github.com/siegel-mail/siegel/internal/export"
)

// exportAccount streams the whole account as one zip archive (TR PVD-FU
// §3.1.3.4, PVD-IO §3.6): every letter of every folder, every evidence
// file the holder may have, and the index that `siegel verify` checks in
// one go. Below high, personal letters are listed without their content.
func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	name := export.ArchiveName(p.Account.Address, s.Clock.Now())
	e := &exportStream{w: w, contentType: "application/zip",
		disposition: mime.FormatMediaType("attachment", map[string]string{"filename": name})}
	st, err := s.Mail.ExportAccount(r.Context(), p, e)
	s.finishExport(w, r, e, st, err)
}
