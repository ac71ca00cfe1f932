package web

import (
	"net/http"
	"strings"
)

// officerLogin is the officers' login: the officer token an operator
// issued (siegel account officer, or POST /api/v1/admin/officers), the
// same bearer token the admin API takes. It goes into the officer cookie
// (HttpOnly, SameSite=Strict) for this browser session only; the store
// keeps only its hash.
func (s *Server) officerLogin(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "officer.login.title")
	next := officerPath(r.FormValue("next"))
	p.Data = next
	if r.Method == http.MethodGet {
		if o := s.officer(r); o != nil {
			http.Redirect(w, r, next, http.StatusSeeOther)
			return
		}
		s.render(w, r, "officer_login", p, http.StatusOK)
		return
	}
	token := strings.TrimSpace(r.PostFormValue("token"))
	p.Form.Del("token") // never shown again, not even to its owner
	if token == "" {
		p.Errors["token"] = p.T("err.required")
		s.render(w, r, "officer_login", p, http.StatusBadRequest)
		return
	}
	o, err := s.Auth.Officer(r.Context(), token)
	if err != nil {
		// Logged without the token: a failed attempt is worth seeing, its
		// guess is not.
		s.Log.Warn("web: officer login refused", "remote", r.RemoteAddr)
		s.render(w, r, "officer_login", p, s.regProblem(p, err, "officer", func(string) string { return "token" }, "token"))
		return
	}
	http.SetCookie(w, s.cookie(officerCookie, token, 0))
	s.Log.Info("web: officer logged in", "officer", o.ID)
	http.Redirect(w, r, next, http.StatusSeeOther)
}
