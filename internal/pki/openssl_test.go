package pki

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
)

// These tests run OpenSSL, the verifier a court or a provider's auditor has
// at hand, on what this package writes. OpenSSL checks certificate validity
// against the wall clock, so here the authority is made at the real time.

// needOpenSSL returns the openssl binary, or skips the test without one;
// in CI a missing openssl is a failure, not a skip.
func needOpenSSL(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not on PATH, and CI is set: install OpenSSL (the package openssl)")
		}
		t.Skip("openssl is not on PATH; install OpenSSL to check the trust list and time stamps with it")
	}
	return p
}

// openssl runs one openssl command in dir and returns its combined output and
// whether it exited 0.
func openssl(t *testing.T, bin, dir string, args ...string) (string, bool) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), bin, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOpenSSLVerifiesTrustList(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	now := time.Now()
	f := newListFixture(t, now)
	other := newAuthority(t, "Testbehörde", now)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "trustlist.p7m"), f.der)
	writeFile(t, filepath.Join(dir, "tampered.p7m"), flip(f.der, bytes.Index(f.der, []byte(`"issuer"`))+2))
	writeFile(t, filepath.Join(dir, "root.crt"), encodeCertPEM(f.a.Root.Raw))
	writeFile(t, filepath.Join(dir, "other.crt"), encodeCertPEM(other.Root.Raw))

	out, ok := openssl(t, bin, dir, "cms", "-verify", "-inform", "DER", "-in", "trustlist.p7m", "-CAfile", "root.crt",
		"-purpose", "any", "-out", "content.json")
	if !ok || !strings.Contains(out, "Verification successful") {
		t.Fatalf("openssl cms -verify failed:\n%s", out)
	}
	content, _ := os.ReadFile(filepath.Join(dir, "content.json"))
	for _, want := range []string{`"issuer": "Testbehörde"`, `"sequence": 1`, `"domain": "anbieter-a.example"`, `"domain": "anbieter-b.example"`} {
		if !strings.Contains(string(content), want) {
			t.Errorf("openssl's content lacks %s:\n%s", want, content)
		}
	}
	if out, ok := openssl(t, bin, dir, "cms", "-verify", "-inform", "DER", "-in", "trustlist.p7m", "-CAfile", "other.crt",
		"-purpose", "any", "-out", os.DevNull); ok {
		t.Errorf("openssl verified the list against another authority's root:\n%s", out)
	}
	if out, ok := openssl(t, bin, dir, "cms", "-verify", "-inform", "DER", "-in", "tampered.p7m", "-CAfile", "root.crt",
		"-purpose", "any", "-out", os.DevNull); ok {
		t.Errorf("openssl verified a tampered list:\n%s", out)
	}
}

func TestOpenSSLVerifiesTimestamp(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	a := newAuthority(t, "Testbehörde", time.Now())
	a.TSA.Clock = clock.Real{}
	dir := t.TempDir()
	data := []byte("Versandbestätigung für Brief 4711\n")
	digest := sha256.Sum256(data)
	token, err := a.TSA.Timestamp(context.Background(), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "token.tsr"), token)
	writeFile(t, filepath.Join(dir, "data.txt"), data)
	writeFile(t, filepath.Join(dir, "root.crt"), encodeCertPEM(a.Root.Raw))
	writeFile(t, filepath.Join(dir, "tsa.crt"), encodeCertPEM(a.TSA.Cert.Raw))

	out, ok := openssl(t, bin, dir, "ts", "-verify", "-digest", hex.EncodeToString(digest[:]), "-in", "token.tsr", "-token_in",
		"-CAfile", "root.crt", "-untrusted", "tsa.crt")
	if !ok || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify -digest failed:\n%s", out)
	}
	if out, ok := openssl(t, bin, dir, "ts", "-verify", "-data", "data.txt", "-in", "token.tsr", "-token_in",
		"-CAfile", "root.crt", "-untrusted", "tsa.crt"); !ok {
		t.Fatalf("openssl ts -verify -data failed:\n%s", out)
	}
	other := sha256.Sum256([]byte("something else"))
	if out, ok := openssl(t, bin, dir, "ts", "-verify", "-digest", hex.EncodeToString(other[:]), "-in", "token.tsr", "-token_in",
		"-CAfile", "root.crt", "-untrusted", "tsa.crt"); ok {
		t.Errorf("openssl verified the token for another digest:\n%s", out)
	}
	out, ok = openssl(t, bin, dir, "ts", "-reply", "-in", "token.tsr", "-token_in", "-token_out", "-text")
	if !ok || !strings.Contains(out, OIDTSAPolicy().String()) {
		t.Errorf("openssl ts -reply -text does not show the policy %v:\n%s", OIDTSAPolicy(), out)
	}
}

// TestOpenSSLTalksToTheHandler sends OpenSSL's own request to the HTTP TSA and
// has OpenSSL verify the whole reply against that request (nonce included).
func TestOpenSSLTalksToTheHandler(t *testing.T) {
	t.Parallel()
	bin := needOpenSSL(t)
	a := newAuthority(t, "Testbehörde", time.Now())
	a.TSA.Clock = clock.Real{}
	srv := newLoopbackServer(t, a.TSA.Handler())
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "data.txt"), []byte("ein Brief"))
	writeFile(t, filepath.Join(dir, "root.crt"), encodeCertPEM(a.Root.Raw))
	writeFile(t, filepath.Join(dir, "tsa.crt"), encodeCertPEM(a.TSA.Cert.Raw))
	if out, ok := openssl(t, bin, dir, "ts", "-query", "-data", "data.txt", "-sha256", "-cert", "-out", "req.tsq"); !ok {
		t.Fatalf("openssl ts -query:\n%s", out)
	}
	q, _ := os.ReadFile(filepath.Join(dir, "req.tsq"))
	resp, err := srv.Client().Post(srv.URL, TimestampQueryType, bytes.NewReader(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var reply bytes.Buffer
	reply.ReadFrom(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != TimestampReplyType {
		t.Fatalf("reply %s %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	writeFile(t, filepath.Join(dir, "reply.tsr"), reply.Bytes())
	out, ok := openssl(t, bin, dir, "ts", "-verify", "-queryfile", "req.tsq", "-in", "reply.tsr", "-CAfile", "root.crt", "-untrusted", "tsa.crt")
	if !ok || !strings.Contains(out, "Verification: OK") {
		t.Fatalf("openssl ts -verify -queryfile failed:\n%s", out)
	}
}

// newLoopbackServer serves h on 127.0.0.1 only.
func newLoopbackServer(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	ln, err := newLoopbackListener()
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = ln
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}
