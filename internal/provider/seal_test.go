package provider_test

import (
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// TestInitWithAuthority: siegel init --authority takes the provider's seal
// and TLS certificates from the authority and pins its root; the provider
// opens with its seal. A seal from another authority stops it at start.
func TestInitWithAuthority(t *testing.T) {
	t.Parallel()
	now := time.Now()
	work := t.TempDir()
	authDir, otherDir := filepath.Join(work, "authority"), filepath.Join(work, "other")
	if _, err := pki.Init(authDir, "Testbehörde", now); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "prov")
	c, err := provider.Init(t.Context(), provider.InitOptions{Dir: dir, Domain: "amt.siegel.test", Name: "Amt",
		Authority: authDir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if c.Seal.CertFile == "" || c.Authority.RootCert == "" {
		t.Fatalf("config without seal or root: %+v %+v", c.Seal, c.Authority)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := provider.Open(t.Context(), dir, provider.Options{Log: log})
	if err != nil {
		t.Fatalf("open with the authority's seal: %v", err)
	}
	if p.Seal == nil || p.Seal.Certificate().Subject.CommonName != "amt.siegel.test" {
		t.Fatalf("seal %+v", p.Seal)
	}
	p.Close()

	// The seal of the same domain from another authority.
	other, err := pki.Init(otherDir, "Falsche Behörde", now)
	if err != nil {
		t.Fatal(err)
	}
	foreign := filepath.Join(work, "foreign")
	if _, err := other.Issue("amt.siegel.test", "Amt", foreign, now); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{pki.SealCertFile, pki.SealKeyFile} {
		b, err := os.ReadFile(filepath.Join(foreign, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "keys", f), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := provider.Open(t.Context(), dir, provider.Options{Log: log}); err == nil || !strings.Contains(err.Error(), "seal.cert_file: not a seal of the authority") {
		t.Fatalf("open with another authority's seal: %v", err)
	}
}
