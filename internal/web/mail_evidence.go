package web

import (
	"net/http"
	"strconv"
)

// evidenceFile serves one evidence file as signed (DER CMS, CAdES B-T):
// the file a court checks offline with `siegel verify` or `openssl cms
// -verify`.
func (s *Server) evidenceFile(w http.ResponseWriter, r *http.Request) {
	e, err := s.Mail.EvidenceFile(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		p := s.page(r, "err.title")
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/pkcs7-mime; smime-type=signed-data")
	// The name is ours: an event name and an id, both plain ASCII.
	h.Set("Content-Disposition", `attachment; filename="`+safeFilename(e.Event+"-"+e.ID+".p7m", 0)+`"`)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(e.File)))
	h.Set("Cache-Control", "no-store")
	w.Write(e.File)
}
