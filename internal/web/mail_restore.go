package web

import "net/http"

// restoreLetter moves a letter from the trash back to its folder.
func (s *Server) restoreLetter(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.Mail.Restore(r.Context(), userOf(r), id); err != nil {
		p := s.page(r, "mail.letter.title")
		status := s.explain(p, err, []string{"mail.err.restore." + codeOf(err)}, nil)
		if status == http.StatusNotFound {
			s.render(w, r, "error", p, status)
			return
		}
		s.showLetter(w, r, p, id, status)
		return
	}
	http.Redirect(w, r, "/letter/"+id+"?done=restored", http.StatusSeeOther)
}
