package provider_test

import (
	"crypto/sha256"
	"crypto/x509"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// TestTimestampURL: with timestamp.url the provider's evidence is
// time-stamped by that RFC 3161 service (here the authority's, over HTTP on
// loopback), and its tokens are checked against the pinned root.
func TestTimestampURL(t *testing.T) {
	t.Parallel()
	now := time.Now()
	work := t.TempDir()
	authDir := filepath.Join(work, "authority")
	a, err := pki.Init(authDir, "Testbehörde", now)
	if err != nil {
		t.Fatal(err)
	}
	var asked atomic.Int32
	tsa := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		a.TSA.Handler().ServeHTTP(w, r)
	}))
	defer tsa.Close()
	dir := filepath.Join(work, "prov")
	c, err := provider.Init(t.Context(), provider.InitOptions{Dir: dir, Domain: "amt.siegel.test", Name: "Amt",
		Authority: authDir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if c.Timestamp.CertFile == "" {
		t.Fatalf("init --authority set no built-in time-stamping authority: %+v", c.Timestamp)
	}
	c.Timestamp = provider.TimestampConfig{URL: tsa.URL + "/tsa"}
	writeConfig(t, dir, c)
	p, err := provider.Open(t.Context(), dir, provider.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	digest := sha256.Sum256([]byte("signature value"))
	token, err := p.TSA.Timestamp(t.Context(), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(a.Root)
	if _, err := pki.VerifyTimestamp(token, digest[:], roots); err != nil || asked.Load() != 1 {
		t.Fatalf("token from timestamp.url: %v, %d requests", err, asked.Load())
	}
}

// TestTimestampConfigRules: each wrong combination names its keys.
func TestTimestampConfigRules(t *testing.T) {
	t.Parallel()
	base := provider.DefaultConfig()
	base.Domain, base.Name = "amt.siegel.test", "Amt"
	base.Authority.RootCert = "keys/root.crt"
	base.Seal = provider.SealConfig{CertFile: "keys/seal.crt", KeyFile: "keys/seal.key"}
	for _, tc := range []struct {
		ts   provider.TimestampConfig
		want string
	}{
		{provider.TimestampConfig{CertFile: "keys/tsa.crt"}, "timestamp.cert_file, timestamp.key_file"},
		{provider.TimestampConfig{URL: "http://127.0.0.1:1/tsa", CertFile: "a", KeyFile: "b"}, "not both"},
		{provider.TimestampConfig{URL: "ftp://tsa.example/"}, "timestamp.url"},
	} {
		c := base
		c.Timestamp = tc.ts
		if err := c.Check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.ts, err, tc.want)
		}
	}
	c := base
	c.Timestamp = provider.TimestampConfig{URL: "https://tsa.example/"}
	if err := c.Check(); err != nil {
		t.Errorf("a seal with timestamp.url: %v", err)
	}
}

func writeConfig(t *testing.T, dir string, c *provider.Config) {
	t.Helper()
	b, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, provider.ConfigFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
}
