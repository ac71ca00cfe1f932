package api

import (
	"mime"
	"net/http"
	"strconv"

	"github.com/siegel-mail/siegel/internal/problem"
)

func (s *Server) getAttachment(w http.ResponseWriter, r *http.Request) {
	o, err := s.Mail.Open(r.Context(), principal(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	i, err := strconv.Atoi(r.PathValue("index"))
	if err != nil || i < 0 || i >= len(o.Message.Attachments) {
		s.writeError(w, r, problem.New(problem.NotFound, "index", "not_found",
			"the letter has %d attachments, numbered from 0", len(o.Message.Attachments)))
		return
	}
	a := o.Message.Attachments[i]
	// Served as a download, never rendered: an attachment is the sender's content.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Filename}))
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Write(a.Data)
}
