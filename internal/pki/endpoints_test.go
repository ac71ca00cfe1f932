package pki

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestCheckSMTPEndpoint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"mail.anbieter-a.example:1465": "mail.anbieter-a.example:1465",
		"Mail.Anbieter-A.Example:1465": "mail.anbieter-a.example:1465",
		"localhost:2525":               "localhost:2525",
		"127.0.0.1:1465":               "127.0.0.1:1465",
		"[::1]:1465":                   "[::1]:1465",
		"[0:0::1]:65535":               "[::1]:65535",
		"[::ffff:127.0.0.1]:1":         "127.0.0.1:1",
	} {
		got, err := CheckSMTPEndpoint(in)
		if err != nil || got != want {
			t.Errorf("CheckSMTPEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                       "not HOST:PORT",
		"mail.example":           "not HOST:PORT",
		"::1:1465":               "not HOST:PORT",
		"mail.example:0":         "port",
		"mail.example:65536":     "port",
		"mail.example:+25":       "port",
		"mail.example:01465":     "port",
		"mail.example:smtp":      "port",
		"mail.example:":          "port",
		":1465":                  "host is empty",
		"mail_x.example:1465":    "neither an IP address nor a DNS name",
		"-mail.example:1465":     "hyphen",
		"mail..example:1465":     "empty or overlong label",
		"1.2.3.999:1465":         "ends in a number",
		"[fe80::1%eth0]:1465":    "zone",
		"mail.example:1465/x":    "port",
		"user@mail.example:1465": "neither",
		"m\u00e4il.example:1465": "neither",
		strings.Repeat("a", 64) + ".example:1465": "overlong",
	} {
		_, err := CheckSMTPEndpoint(in)
		if p := problem.As(err); p == nil || p.Field != "smtp" || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckSMTPEndpoint(%q): %v; want a problem of field smtp saying %q", in, err, want)
		}
	}
}

func TestCheckAPIEndpoint(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://post.anbieter-a.example":          "https://post.anbieter-a.example",
		"HTTPS://Post.Anbieter-A.Example/api/v1":   "https://post.anbieter-a.example/api/v1",
		"https://127.0.0.1:8443":                   "https://127.0.0.1:8443",
		"https://[::1]:8443/":                      "https://[::1]:8443/",
		"https://[0::1]":                           "https://[::1]",
		"https://localhost:8443/a%20b":             "https://localhost:8443/a%20b",
		"https://post.example/Gro%C3%9Fe/Schreibe": "https://post.example/Gro%C3%9Fe/Schreibe",
	} {
		got, err := CheckAPIEndpoint(in)
		if err != nil || got != want {
			t.Errorf("CheckAPIEndpoint(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"":                                     "not an https:// URL",
		"http://post.example":                  "not an https:// URL",
		"post.example":                         "not an https:// URL",
		"https:post.example":                   "not an https:// URL",
		"ftp://post.example":                   "not an https:// URL",
		"https://":                             "no host",
		"https://user:pw@post.example":         "user name or password",
		"https://user@post.example":            "user name or password",
		"https://post.example/?x=1":            "query",
		"https://post.example/?":               "query",
		"https://post.example/#frag":           "fragment",
		"https://post.example#":                "fragment",
		"https://post.example:0":               "port",
		"https://post.example:99999":           "port",
		"https://post.example:":                "port",
		"https://post_x.example":               "neither",
		"https://exa mple.example":             "not a URL",
		"https://post.example/\n":              "not a URL",
		"https://" + strings.Repeat("a", 2100): "longer than 2048",
	} {
		_, err := CheckAPIEndpoint(in)
		if p := problem.As(err); p == nil || p.Field != "api" || !strings.Contains(err.Error(), want) {
			t.Errorf("CheckAPIEndpoint(%q): %v; want a problem of field api saying %q", in, err, want)
		}
	}
}

func TestCheckEndpointsWantsBothCanonical(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ smtp, api, want string }{
		{"", "", ""},
		{"mail.example:1465", "https://post.example", ""},
		{"mail.example:1465", "", "both or neither"},
		{"", "https://post.example", "both or neither"},
		{"Mail.Example:1465", "https://post.example", "canonical"},
		{"mail.example:1465", "HTTPS://post.example", "canonical"},
		{"mail.example", "https://post.example", "HOST:PORT"},
	} {
		err := checkEndpoints(c.smtp, c.api)
		if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
			t.Errorf("checkEndpoints(%q, %q): %v, want %q", c.smtp, c.api, err, c.want)
		}
	}
}
