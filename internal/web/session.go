package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/store"
)

// Cookie names. The session cookie holds the API session's token; the
// officer cookie an officer's token; neither is readable by script.
const (
	sessionCookie = "siegel_session"
	officerCookie = "siegel_officer"
	csrfCookie    = "siegel_csrf"
	langCookie    = "siegel_lang"
)

// cookie makes a cookie of this site: HttpOnly, SameSite=Strict, Secure on
// TLS; a zero maxAge lasts the browser session, a negative one deletes it.
func (s *Server) cookie(name, value string, maxAge int) *http.Cookie {
	return &http.Cookie{Name: name, Value: value, Path: "/", MaxAge: maxAge, HttpOnly: true,
		Secure: s.Secure, SameSite: http.SameSiteStrictMode}
}

// principal is the user the request's session cookie names, or nil.
func (s *Server) principal(r *http.Request) *auth.Principal {
	c, err := r.Cookie(sessionCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	p, err := s.Auth.Authenticate(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return p
}

// officer is the officer the request's officer cookie names, or nil.
func (s *Server) officer(r *http.Request) *store.Officer {
	c, err := r.Cookie(officerCookie)
	if err != nil || c.Value == "" {
		return nil
	}
	o, err := s.Auth.Officer(r.Context(), c.Value)
	if err != nil {
		return nil
	}
	return o
}

type principalKey struct{}

// userOf is the principal a user handler runs for.
func userOf(r *http.Request) *auth.Principal {
	p, _ := r.Context().Value(principalKey{}).(*auth.Principal)
	return p
}

// user wraps a handler that needs a logged-in user: without a session it
// sends the browser to the login page, which brings it back afterwards.
func (s *Server) user(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p := s.principal(r)
		if p == nil {
			http.Redirect(w, r, "/login?next="+url.QueryEscape(localPath(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
	}
}

// localPath keeps a return address on this site: a path, not a URL that
// could send the user elsewhere after login.
func localPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/mail/inbox"
	}
	return p
}

// setSession starts the browser session for token.
func (s *Server) setSession(w http.ResponseWriter, token string) {
	http.SetCookie(w, s.cookie(sessionCookie, token, 0))
}

func (s *Server) clearSession(w http.ResponseWriter) {
	http.SetCookie(w, s.cookie(sessionCookie, "", -1))
}
