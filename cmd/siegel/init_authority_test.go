package main

import (
	"crypto/x509"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/pki"
)

// TestCLIInitWithAuthority: an operator creates a local authority, then a
// provider whose certificates it issues; the provider's seal and TLS
// certificates chain to the authority's root, and a second provider of the
// same authority appears in its trust list.
func TestCLIInitWithAuthority(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	auth := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", auth, "--name", "Testbehörde")
	prov := filepath.Join(work, "prov")
	out := c.ok("", "init", "--dir", prov, "--domain", "amt.siegel.test", "--name", "Amt Test", "--authority", auth)
	if !strings.Contains(out, "created provider amt.siegel.test") {
		t.Fatalf("init output:\n%s", out)
	}
	root, err := pki.ReadCertPEM(filepath.Join(auth, pki.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	for f, usage := range map[string]x509.ExtKeyUsage{pki.SealCertFile: x509.ExtKeyUsageEmailProtection, pki.TLSCertFile: x509.ExtKeyUsageServerAuth} {
		cert, err := pki.ReadCertPEM(filepath.Join(prov, "keys", f))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}}); err != nil {
			t.Errorf("keys/%s does not chain to the authority's root: %v", f, err)
		}
	}
	c.ok("", "authority", "trustlist", "--dir", auth)
	a, err := pki.LoadAuthority(auth)
	if err != nil {
		t.Fatal(err)
	}
	regs, err := a.Registrations()
	if err != nil || len(regs) != 1 || regs[0].Domain != "amt.siegel.test" {
		t.Fatalf("registry after init --authority: %+v, %v", regs, err)
	}
	c.fails("authority: ", "", "init", "--dir", filepath.Join(work, "p2"), "--domain", "b.siegel.test", "--name", "B",
		"--authority", filepath.Join(work, "no-such-authority"))
}
