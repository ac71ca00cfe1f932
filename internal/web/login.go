package web

import (
	"net/http"
	"net/url"
	"strings"
)

func (s *Server) loginRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET /login", s.login)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("GET /stepup", s.user(s.stepUp))
	mux.HandleFunc("POST /stepup", s.user(s.stepUp))
	mux.HandleFunc("POST /logout", s.user(s.logout))
}

// login is the login page: the address and the password, which log in at
// normal (DMG §4: one factor). An account with a second factor goes on to
// the step-up page, where its code makes the session high.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "login.title")
	next := localPathOr(r.FormValue("next"), "/mail/inbox")
	p.Data = next
	if r.Method == http.MethodGet {
		s.render(w, r, "login", p, http.StatusOK)
		return
	}
	addr := strings.TrimSpace(r.PostFormValue("address"))
	token, pr, err := s.Auth.Login(r.Context(), addr, r.PostFormValue("password"), "")
	if err != nil {
		p.Form.Del("password")
		s.render(w, r, "login", p, s.problemOf(p, err, "address", "password"))
		return
	}
	s.setSession(w, token)
	if pr.Account.SecondFactor() { // TOTP or a passkey
		http.Redirect(w, r, "/stepup?login=1&next="+url.QueryEscape(next), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}
