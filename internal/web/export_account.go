package web

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/export"
)

// exportAccount offers the whole account as one zip archive (TR PVD-FU
// §3.1.3.4, PVD-IO §3.6): every letter of every folder, every evidence
// file the holder may have, and an index that siegel verify checks in one
// go; streamed, whatever the mailbox's size. Below high personal letters
// are listed without their content, as the settings page says.
func (s *Server) exportAccount(w http.ResponseWriter, r *http.Request) {
	u := userOf(r)
	d := &download{w: w, contentType: "application/zip", filename: export.ArchiveName(u.Account.Address, s.Clock.Now())}
	_, err := s.Mail.ExportAccount(r.Context(), u, d)
	s.finish(w, r, d, err)
}
