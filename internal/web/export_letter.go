package web

import (
	"net/http"
	"strconv"
)

// exportLetter offers one letter as a file: the copy exactly as stored, an
// RFC 5322 message with its X-de-mail-integrity value (TR PVD-FU
// §3.1.3.4), which any mail program opens and siegel verify checks.
// Saving it counts as reading the letter, as an attachment's download
// does; a personal letter needs high, as its view does (DMG §5(4)).
func (s *Server) exportLetter(w http.ResponseWriter, r *http.Request) {
	o, err := s.Mail.Open(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		p := s.page(r, "err.title")
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	d := &download{w: w, contentType: "message/rfc822", filename: safeFilename(o.Copy.ID+".eml", 0)}
	w.Header().Set("Content-Length", strconv.Itoa(len(o.Raw)))
	d.start()
	w.Write(o.Raw)
}
