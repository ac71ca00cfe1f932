package web

import "net/http"

// settingsLanguage keeps the holder's language: the same year-long cookie
// as the language switch of every page (lang.go), since the account keeps
// no language of its own. It returns to the overview, in that language.
func (s *Server) settingsLanguage(w http.ResponseWriter, r *http.Request) {
	to := r.PostFormValue("lang")
	for _, l := range languages {
		if to == l {
			http.SetCookie(w, s.cookie(langCookie, l, 365*24*3600))
			http.Redirect(w, r, "/settings?done=language", http.StatusSeeOther)
			return
		}
	}
	p := s.page(r, "settings.title")
	p.Errors["lang"] = p.T("settings.err.lang")
	s.renderSettings(w, r, p, http.StatusBadRequest)
}
