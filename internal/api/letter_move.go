package api

import (
	"net/http"

	"github.com/siegel-mail/siegel/internal/store"
)

// moveLetter files a letter in one of the holder's folders, or back.
func (s *Server) moveLetter(w http.ResponseWriter, r *http.Request) {
	var req MoveRequest
	if err := decode(r, &req, smallBody); err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principal(r)
	c, err := s.Mail.Move(r.Context(), p, r.PathValue("id"), store.Folder(req.Folder))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, summaryOut(c, p.Level()))
}
