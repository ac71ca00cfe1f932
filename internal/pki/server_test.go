package pki

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
)

// served is an authority's federation server running on loopback, and a
// client that trusts the authority's root alone.
type served struct {
	a      *Authority
	url    string
	client *http.Client
	stop   func() error
}

// serve runs a.Serve on a loopback port until the test ends. A nil clock is
// the wall clock; the client checks certificates on the same clock.
func serve(t *testing.T, a *Authority, o ServeOptions) *served {
	t.Helper()
	ln, err := newLoopbackListener()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln, o) }()
	stop := sync.OnceValue(func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(15 * time.Second):
			return errors.New("Serve did not return")
		}
	})
	t.Cleanup(func() { stop() })
	tc := &tls.Config{RootCAs: rootPool(a.Root), MinVersion: tls.VersionTLS12}
	if o.Clock != nil {
		tc.Time = o.Clock.Now
	}
	return &served{a: a, url: "https://" + ln.Addr().String(), stop: stop,
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}}
}

// get fetches path and returns the body, failing the test on anything but
// 200 with the content type want.
func (s *served) get(t *testing.T, path, want string) []byte {
	t.Helper()
	resp, err := s.client.Get(s.url + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != want {
		t.Fatalf("GET %s: %s, Content-Type %q: %s", path, resp.Status, resp.Header.Get("Content-Type"), b)
	}
	return b
}

func (s *served) list(t *testing.T, now time.Time) (*TrustList, []byte) {
	t.Helper()
	der := s.get(t, TrustListPath, TrustListType)
	l, err := ParseTrustList(der, s.a.Root, now)
	if err != nil {
		t.Fatalf("ParseTrustList: %v", err)
	}
	return l, der
}

// On the wall clock, as a provider would: a client that pins only the root
// connects, and gets a list, the root and a health check.
func TestServeOverHTTPS(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", time.Now())
	is := issueProvider(t, a, "anbieter-a.example", "Anbieter A", time.Now())
	if _, err := a.Accredit("anbieter-a.example", smtpA, apiA, nil, nil, time.Now()); err != nil {
		t.Fatal(err)
	}
	s := serve(t, a, ServeOptions{})
	l, _ := s.list(t, time.Now())
	if p, ok := l.Lookup("anbieter-a.example"); !ok || !p.Seal.Equal(is.Seal) || p.SMTP != smtpA {
		t.Fatalf("served list: %+v", p)
	}
	if d := l.NextUpdate.Sub(l.Issued); d != DefaultTrustListValidity {
		t.Errorf("valid for %v, want the default", d)
	}
	root, err := ParseCertPEM(s.get(t, RootCertPath, "application/x-pem-file"))
	if err != nil || !root.Equal(a.Root) {
		t.Fatalf("root.crt: %v", err)
	}
	if b := s.get(t, HealthPath, "text/plain; charset=utf-8"); string(b) != "ok\n" {
		t.Errorf("healthz: %q", b)
	}
	// Nothing but TLS 1.2 and later.
	old := &tls.Config{RootCAs: rootPool(a.Root), MaxVersion: tls.VersionTLS11, MinVersion: tls.VersionTLS10}
	if c, err := tls.Dial("tcp", strings.TrimPrefix(s.url, "https://"), old); err == nil {
		c.Close()
		t.Error("a TLS 1.1 handshake succeeded")
	}
	// A client that trusts another root does not connect.
	other := newAuthority(t, "Behörde", time.Now())
	c := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: rootPool(other.Root)}}}
	if _, err := c.Get(s.url + TrustListPath); err == nil {
		t.Error("a client of another root connected")
	}
	for _, r := range []struct{ method, path string }{{"POST", TrustListPath}, {"GET", "/nothing"}, {"GET", TSAPath}} {
		req, _ := http.NewRequest(r.method, s.url+r.path, nil)
		resp, err := s.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode < 400 {
			t.Errorf("%s %s: %s", r.method, r.path, resp.Status)
		}
	}
	if err := s.stop(); err != nil {
		t.Errorf("Serve after its context ended: %v", err)
	}
}

func TestServeResignsOnChangeAndAtHalfValidity(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	issueProvider(t, a, "anbieter-a.example", "Anbieter A", t0)
	issueProvider(t, a, "anbieter-b.example", "Anbieter B", t0)
	c := clock.NewFake(t0.Add(time.Minute))
	s := serve(t, a, ServeOptions{Clock: c, Valid: 4 * time.Hour})

	first, der1 := s.list(t, c.Now())
	if first.Sequence != 1 || !first.Issued.Equal(t0.Add(time.Minute)) || !first.NextUpdate.Equal(t0.Add(4*time.Hour+time.Minute)) {
		t.Fatalf("first list: no. %d, %v–%v", first.Sequence, first.Issued, first.NextUpdate)
	}
	// Unchanged, before half its validity: the same bytes.
	c.Advance(2*time.Hour - time.Second)
	if _, der := s.list(t, c.Now()); string(der) != string(der1) {
		t.Fatal("re-signed an unchanged list before half its validity")
	}
	// At half its validity: a new one, valid for the whole period from now.
	c.Advance(time.Second)
	second, _ := s.list(t, c.Now())
	if second.Sequence != 2 || !second.Issued.Equal(c.Now()) || second.NextUpdate.Sub(c.Now()) != 4*time.Hour {
		t.Fatalf("after half validity: no. %d issued %v", second.Sequence, second.Issued)
	}
	// A revocation shows in the next fetch, though little time passed.
	c.Advance(time.Minute)
	if _, err := a.Revoke("anbieter-b.example", "entzogen", c.Now()); err != nil {
		t.Fatal(err)
	}
	third, _ := s.list(t, c.Now())
	if third.Sequence != 3 || !slices.Equal(third.Domains(), []string{"anbieter-a.example"}) || len(third.Revoked) != 1 {
		t.Fatalf("after revoke: no. %d, %v, revoked %+v", third.Sequence, third.Domains(), third.Revoked)
	}
	// So do new endpoints.
	if _, err := a.Accredit("anbieter-a.example", smtpA, apiA, nil, nil, c.Now()); err != nil {
		t.Fatal(err)
	}
	fourth, _ := s.list(t, c.Now())
	if p, _ := fourth.Lookup("anbieter-a.example"); fourth.Sequence != 4 || p.SMTP != smtpA {
		t.Fatalf("after accredit: no. %d, %+v", fourth.Sequence, p)
	}
	if l, _ := s.list(t, c.Now()); l.Sequence != 4 {
		t.Errorf("unchanged list re-signed: no. %d", l.Sequence)
	}
}

func TestServeTimestamps(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	c := clock.NewFake(t0.Add(time.Hour))
	s := serve(t, a, ServeOptions{Clock: c})
	h := &HTTPTimestamper{URL: s.url + TSAPath, Client: s.client, Roots: rootPool(a.Root)}
	d := digestOf("ein Brief")
	token, err := h.Timestamp(t.Context(), d)
	if err != nil {
		t.Fatalf("Timestamp: %v", err)
	}
	info, err := VerifyTimestampToken(token, d, rootPool(a.Root))
	if err != nil {
		t.Fatal(err)
	}
	// The server's clock, not the wall clock, dates the token.
	if !info.GenTime.Equal(t0.Add(time.Hour)) || !info.TSA.Equal(a.TSA.Cert) {
		t.Errorf("genTime %v, TSA %v", info.GenTime, info.TSA.Subject)
	}
}

func TestServeRefusesBadOptions(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	for _, c := range []struct {
		o     ServeOptions
		field string
	}{
		{ServeOptions{Valid: time.Minute}, "valid"},
		{ServeOptions{Valid: 800 * time.Hour}, "valid"},
		{ServeOptions{Hosts: []string{"localhost", "bad host"}}, "host"},
		{ServeOptions{Hosts: []string{"http://x.example"}}, "host"},
	} {
		ln, err := newLoopbackListener()
		if err != nil {
			t.Fatal(err)
		}
		err = a.Serve(t.Context(), ln, c.o)
		ln.Close()
		if p := problem.As(err); p == nil || p.Field != c.field {
			t.Errorf("Serve(%+v): %v, want a problem of %s", c.o, err, c.field)
		}
	}
	if _, err := a.Handler(ServeOptions{Valid: -time.Hour}); problem.As(err) == nil {
		t.Errorf("Handler with a negative validity: %v", err)
	}
}

func TestServerCertificate(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	c1, why, err := a.serverCertificate(DefaultServerHosts(), t0)
	if err != nil || why != "none yet" {
		t.Fatalf("first: %v %q", err, why)
	}
	leaf := c1.Leaf
	if !slices.Equal(leaf.DNSNames, []string{"localhost"}) || len(leaf.IPAddresses) != 2 || leaf.IsCA ||
		!slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("names %v %v, EKU %v", leaf.DNSNames, leaf.IPAddresses, leaf.ExtKeyUsage)
	}
	for _, h := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: rootPool(a.Root), DNSName: h, CurrentTime: t0}); err != nil {
			t.Errorf("%s: %v", h, err)
		}
	}
	for name, mode := range map[string]os.FileMode{ServerCertFile: 0o644, ServerKeyFile: 0o600} {
		if fi, err := os.Stat(filepath.Join(a.Dir, name)); err != nil || fi.Mode() != mode {
			t.Errorf("%s: %v %v", name, err, fi)
		}
	}
	// Kept: the same names in another order and spelling, months later.
	c2, why, err := a.serverCertificate([]string{"::1", "LOCALHOST", "127.0.0.1", "localhost"}, t0.AddDate(0, 10, 0))
	if err != nil || why != "" || !c2.Leaf.Equal(leaf) {
		t.Fatalf("second: %v %q", err, why)
	}
	// Issued anew: other names, or within 30 days of the end.
	c3, why, err := a.serverCertificate([]string{"trust.behoerde.example"}, t0)
	if err != nil || !strings.Contains(why, "names changed") || c3.Leaf.Equal(leaf) || c3.Leaf.VerifyHostname("trust.behoerde.example") != nil {
		t.Fatalf("new names: %v %q", err, why)
	}
	c4, why, err := a.serverCertificate([]string{"trust.behoerde.example"}, c3.Leaf.NotAfter.Add(-29*24*time.Hour))
	if err != nil || !strings.Contains(why, "expires") || c4.Leaf.Equal(c3.Leaf) {
		t.Fatalf("near the end: %v %q", err, why)
	}
	// A certificate from another root in the folder is replaced.
	other := newAuthority(t, "Behörde", t0)
	if _, _, err := other.serverCertificate([]string{"trust.behoerde.example"}, t0); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{ServerCertFile, ServerKeyFile} {
		b, _ := os.ReadFile(filepath.Join(other.Dir, f))
		os.WriteFile(filepath.Join(a.Dir, f), b, 0o600)
	}
	if c5, why, err := a.serverCertificate([]string{"trust.behoerde.example"}, t0); err != nil || why != "not issued by the root" ||
		c5.Leaf.CheckSignatureFrom(a.Root) != nil {
		t.Fatalf("foreign certificate: %v %q", err, why)
	}
}
