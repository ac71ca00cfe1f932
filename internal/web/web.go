// Package web is the provider's web mailbox, registration and officer
// console (issue 6): server-rendered html/template pages embedded in the
// binary, one handler per file, a little vanilla JavaScript and no inline
// script. It holds no rules of its own: every action goes through the same
// services as the API (auth, mailbox, registration), so a page can do
// nothing the API would refuse.
//
// A browser session is the API's session (auth.Service) carried in a
// cookie: HttpOnly, Secure, SameSite=Strict. Every state-changing request
// must come from this origin (net/http's CrossOriginProtection, by the
// Fetch metadata the browser sends) and carry the form's CSRF token, bound
// to a random per-browser secret in a cookie of its own. Pages carry a
// strict Content-Security-Policy (no inline script or style, no frames).
// German and English, from the language cookie or Accept-Language.
package web

import (
	"embed"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/registration"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Server is the web front end of one provider.
type Server struct {
	Reg  *registration.Service
	Auth *auth.Service
	Mail *mailbox.Service
	// Contacts keeps the holders' address books (contacts*.go).
	Contacts *contacts.Service
	Clock    clock.Clock
	Log      *slog.Logger
	// Name and Domain are the provider's, as pages show them.
	Name, Domain string
	// Secure marks cookies Secure: the provider serves TLS (always, but
	// behind a TLS-terminating proxy with --plain-http).
	Secure bool
	// Verify checks an evidence file for the evidence panel: the same
	// checks as siegel verify, against the authority's root. Nil when the
	// provider has no authority; the panel then says so.
	Verify func(file []byte) (valid bool, detail string)
	// MaxMessageBytes bounds a composed letter (text and attachments).
	MaxMessageBytes int64
	// PublicURL is how browsers reach the provider (config public_url):
	// its host name is the passkeys' relying party, unless it is an IP
	// address; then the request's host is (passkey.go, passkeyRP).
	PublicURL string
	// ScanningOff: the provider scans no letter for malware (config
	// malware.scanning = "off"); every page says so (TR PVD-FU §3.1.3.1).
	ScanningOff bool

	pages map[string]*template.Template
	cat   catalog
}

// Handler is the web front end: every path but /api/.
func (s *Server) Handler() (http.Handler, error) {
	if err := s.parse(); err != nil {
		return nil, err
	}
	s.cat = newCatalog()
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFS, "static")
	mux.Handle("GET /static/", http.StripPrefix("/static/", staticFiles(http.FileServerFS(static))))
	s.routes(mux)
	cop := http.NewCrossOriginProtection()
	return s.secure(cop.Handler(s.csrf(mux))), nil
}

// staticFiles lets browsers keep the embedded files a day: they change
// only with the binary.
func staticFiles(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		h.ServeHTTP(w, r)
	})
}

// secure sets the headers every response carries.
func (s *Server) secure(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
			"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Cross-Origin-Opener-Policy", "same-origin")
		if s.Secure {
			hd.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.ServeHTTP(w, r)
	})
}
