package web

import "net/http"

// setLang switches the pages' language (a year's cookie) and returns to
// the page the switch was on.
func (s *Server) setLang(w http.ResponseWriter, r *http.Request) {
	to := r.PostFormValue("lang")
	for _, l := range languages {
		if to == l {
			http.SetCookie(w, s.cookie(langCookie, l, 365*24*3600))
		}
	}
	http.Redirect(w, r, localPathOr(r.PostFormValue("back"), "/"), http.StatusSeeOther)
}

// localPathOr is p when it is a path on this site, else def.
func localPathOr(p, def string) string {
	if p == "" || localPath(p) != p {
		return def
	}
	return p
}
