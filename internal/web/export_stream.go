package web

import (
	"mime"
	"net/http"
)

// download is a streamed download's response: its headers go out with
// its first byte, so that an export refused before it begins still gets
// an error page.
type download struct {
	w           http.ResponseWriter
	contentType string
	filename    string
	started     bool
}

func (d *download) Write(b []byte) (int, error) {
	d.start()
	return d.w.Write(b)
}

func (d *download) start() {
	if d.started {
		return
	}
	d.started = true
	h := d.w.Header()
	h.Set("Content-Type", d.contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.filename}))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	d.w.WriteHeader(http.StatusOK)
}

// finish ends a download: an error page when it failed before its first
// byte; when it broke off after, the connection is cut, so that the
// browser reports a failed download rather than keep a file that looks
// whole (the mailbox logged why).
func (s *Server) finish(w http.ResponseWriter, r *http.Request, d *download, err error) {
	if err == nil {
		d.start() // an empty folder is an empty mbox
		return
	}
	if d.started {
		panic(http.ErrAbortHandler)
	}
	p := s.page(r, "err.title")
	s.render(w, r, "error", p, s.problemOf(p, err))
}
