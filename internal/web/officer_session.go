package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/store"
)

type officerKey struct{}

// officerOf is the officer an officer handler runs for.
func officerOf(r *http.Request) *store.Officer {
	o, _ := r.Context().Value(officerKey{}).(*store.Officer)
	return o
}

// officerOnly wraps a page of the officers' console, as user does the
// mailbox's: without a valid officer token in the officer cookie the
// browser goes to the officer login, which brings it back afterwards. The
// token is checked on every request, so an officer removed from the store
// is out at once.
func (s *Server) officerOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o := s.officer(r)
		if o == nil {
			http.Redirect(w, r, "/officer/login?next="+url.QueryEscape(officerPath(r.URL.RequestURI())), http.StatusSeeOther)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), officerKey{}, o)))
	}
}

// officerPage starts an officer page: the layout then shows the officer's
// name, the console's navigation and the officer logout, and never the
// mailbox's: officers do not read letters.
func (s *Server) officerPage(r *http.Request, title string) *Page {
	p := s.page(r, title)
	p.Officer = officerOf(r)
	return p
}

// officerPath keeps a return address inside the console: after an officer
// login the browser goes nowhere else.
func officerPath(p string) string {
	p = localPathOr(p, "/officer")
	if strings.Contains(p, "..") || p != "/officer" && !strings.HasPrefix(p, "/officer/") && !strings.HasPrefix(p, "/officer?") {
		return "/officer"
	}
	return p
}
