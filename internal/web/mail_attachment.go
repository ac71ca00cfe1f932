package web

import (
	"mime"
	"net/http"
	"strconv"
)

// attachment serves one attachment of a letter as a download, never to be
// shown in the page: it is the sender's content, of any type, and must
// neither run here nor be sniffed into HTML. Opening it counts as reading
// the letter, as it does through the API.
func (s *Server) attachment(w http.ResponseWriter, r *http.Request) {
	o, err := s.Mail.Open(r.Context(), userOf(r), r.PathValue("id"))
	if err != nil {
		p := s.page(r, "err.title")
		s.render(w, r, "error", p, s.problemOf(p, err))
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 0 || n >= len(o.Message.Attachments) {
		s.fail(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	a := o.Message.Attachments[n]
	name := safeFilename(a.Filename, n)
	disp := mime.FormatMediaType("attachment", map[string]string{"filename": name})
	if disp == "" {
		disp = mime.FormatMediaType("attachment", map[string]string{"filename": "attachment-" + strconv.Itoa(n+1)})
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", disp)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Length", strconv.Itoa(len(a.Data)))
	h.Set("Cache-Control", "no-store")
	// A sandbox as well, should a browser ever render it anyway.
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	w.Write(a.Data)
}
