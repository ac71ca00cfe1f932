package web

import (
	"net/http"
	"net/url"

	"github.com/siegel-mail/siegel/internal/store"
)

// copyLetter files a second copy of a letter in one of the holder's
// folders (TR PVD-FU §3.1.3.7) and shows the new copy; at any level,
// since it shows nothing of the content.
func (s *Server) copyLetter(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.Mail.CopyTo(r.Context(), userOf(r), id, store.Folder(r.PostForm.Get("folder")))
	if err != nil {
		p := s.page(r, "mail.letter.title")
		keys := []string{"folders.err.copy." + codeOf(err), "folders.err.move." + codeOf(err)}
		s.showLetter(w, r, p, id, s.explain(p, err, keys, nil))
		return
	}
	http.Redirect(w, r, "/letter/"+url.PathEscape(c.ID)+"?done=copied", http.StatusSeeOther)
}
