package web

import (
	"net/http/httptest"
	"testing"

	"github.com/siegel-mail/siegel/internal/auth"
)

// TestPasskeyRP: the relying party is the public URL's host name when it
// has one, and passkeys then work at that origin only; with an IP address
// there, it is the host the browser asked for, if that is a name.
func TestPasskeyRP(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		public, host string
		secure       bool
		want         auth.PasskeyRP
		ok           bool
	}{
		{"https://Mail.Siegel.example", "mail.siegel.example", true,
			auth.PasskeyRP{ID: "mail.siegel.example", Origin: "https://mail.siegel.example"}, true},
		{"https://mail.siegel.example:443", "mail.siegel.example", true,
			auth.PasskeyRP{ID: "mail.siegel.example", Origin: "https://mail.siegel.example"}, true},
		{"https://mail.siegel.example:8443", "mail.siegel.example:8443", true,
			auth.PasskeyRP{ID: "mail.siegel.example", Origin: "https://mail.siegel.example:8443"}, true},
		// Another port or host than the public URL's: not the passkeys' site.
		{"https://mail.siegel.example", "mail.siegel.example:8443", true,
			auth.PasskeyRP{ID: "mail.siegel.example", Origin: "https://mail.siegel.example"}, false},
		{"https://mail.siegel.example", "127.0.0.1:8443", true,
			auth.PasskeyRP{ID: "mail.siegel.example", Origin: "https://mail.siegel.example"}, false},
		// An IP address as the public URL: the browser's host, if a name.
		{"https://127.0.0.1:8443", "localhost:8443", true,
			auth.PasskeyRP{ID: "localhost", Origin: "https://localhost:8443"}, true},
		{"https://127.0.0.1:8443", "LocalHost:443", true,
			auth.PasskeyRP{ID: "localhost", Origin: "https://localhost"}, true},
		{"", "siegel.test", false, auth.PasskeyRP{ID: "siegel.test", Origin: "http://siegel.test"}, true},
		{"https://127.0.0.1:8443", "127.0.0.1:8443", true, auth.PasskeyRP{}, false},
		{"https://[::1]:8443", "[::1]:8443", true, auth.PasskeyRP{}, false},
	} {
		s := &Server{PublicURL: c.public, Secure: c.secure}
		r := httptest.NewRequest("GET", "/settings", nil)
		r.Host = c.host
		got, ok := s.passkeyRP(r)
		if got != c.want || ok != c.ok {
			t.Errorf("public %q, host %q: %+v, %v; want %+v, %v", c.public, c.host, got, ok, c.want, c.ok)
		}
	}
}
