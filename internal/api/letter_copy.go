package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// copyLetter files a second copy of a letter in one of the holder's
// folders (TR PVD-FU §3.1.3.7).
func (s *Server) copyLetter(w http.ResponseWriter, r *http.Request) {
	var req CopyRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principal(r)
	c, err := s.Mail.CopyTo(r.Context(), p, r.PathValue("id"), store.Folder(req.Folder))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, summaryOut(c, p.Level()))
}
