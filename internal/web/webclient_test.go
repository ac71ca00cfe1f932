package web_test

import (
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// webClient is a browser without script for the page tests: a cookie jar,
// the provider's certificate as its one root, and the CSRF token of the
// last page that had a form.
type webClient struct {
	t    *testing.T
	e    *pt.Env
	c    *http.Client
	csrf string
	lang string   // Accept-Language, when set
	last *webPage // the last answer
}

// webPage is an answer with its body read.
type webPage struct {
	Status int
	Body   string
	Header http.Header
	URL    *url.URL // after redirects
}

func newWebClient(t *testing.T, e *pt.Env) *webClient {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(e.CertPEM) {
		t.Fatal("no certificate in CertPEM")
	}
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}
	t.Cleanup(tr.CloseIdleConnections)
	return &webClient{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 60 * time.Second, Transport: tr}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

func (b *webClient) do(req *http.Request) *webPage {
	b.t.Helper()
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	p := &webPage{Status: resp.StatusCode, Body: string(body), Header: resp.Header, URL: resp.Request.URL}
	if m := csrfField.FindStringSubmatch(p.Body); m != nil {
		b.csrf = m[1]
	}
	b.last = p
	return p
}

func (b *webClient) get(path string) *webPage {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.URL+path, nil)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form; with the CSRF token scraped last unless the form
// has one (an empty one to leave it out).
func (b *webClient) post(path string, form url.Values) *webPage {
	b.t.Helper()
	if _, ok := form["csrf"]; !ok {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// submit posts form to action as a form of the page last loaded: that
// page must carry the CSRF token.
func (b *webClient) submit(action string, form url.Values) *webPage {
	b.t.Helper()
	if b.last == nil || !csrfField.MatchString(b.last.Body) {
		b.t.Fatalf("no CSRF token on the page last loaded (%v)", b.last)
	}
	form.Del("csrf")
	return b.post(action, form)
}
