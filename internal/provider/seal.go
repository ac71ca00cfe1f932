package provider

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/pki"
)

// loadSeal loads the provider's seal and checks it against the pinned
// authority root at start: a seal from another authority, expired, or not
// matching its key would sign evidence that nobody can verify, so the server
// refuses to start instead. Nil without a seal.
func loadSeal(c *Config, dir string, root *x509.Certificate, now time.Time) (*evidence.KeySigner, error) {
	if c.Seal.CertFile == "" {
		return nil, nil
	}
	cert, err := pki.ReadCertPEM(abs(dir, c.Seal.CertFile))
	if err != nil {
		return nil, fmt.Errorf("seal.cert_file: %w", err)
	}
	key, err := pki.ReadKeyPEM(abs(dir, c.Seal.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("seal.key_file: %w", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(root)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: now,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}}); err != nil {
		return nil, fmt.Errorf("seal.cert_file: not a seal of the authority in authority.root_cert valid at %s: %w",
			now.Format(time.RFC3339), err)
	}
	s, err := evidence.NewKeySigner(key, cert, nil)
	if err != nil {
		return nil, fmt.Errorf("seal.key_file: %w", err)
	}
	return s, nil
}

// loadTimestamper makes the source of the evidence's time-stamps: the
// configured RFC 3161 service, its answers checked against the authority
// root, or the built-in TSA on the provider's clock. Nil without either.
func loadTimestamper(c *Config, dir string, root *x509.Certificate, clk clock.Clock) (evidence.Timestamper, error) {
	if c.Timestamp.URL != "" {
		if root == nil {
			return nil, fmt.Errorf("timestamp.url: needs authority.root_cert, the root its answers are checked against")
		}
		roots := x509.NewCertPool()
		roots.AddCert(root)
		return &pki.HTTPTimestamper{URL: c.Timestamp.URL, Roots: roots}, nil
	}
	if c.Timestamp.CertFile == "" {
		return nil, nil
	}
	cert, err := pki.ReadCertPEM(abs(dir, c.Timestamp.CertFile))
	if err != nil {
		return nil, fmt.Errorf("timestamp.cert_file: %w", err)
	}
	key, err := pki.ReadKeyPEM(abs(dir, c.Timestamp.KeyFile))
	if err != nil {
		return nil, fmt.Errorf("timestamp.key_file: %w", err)
	}
	tsa, err := pki.NewTSA(cert, key, clk)
	if err != nil {
		return nil, fmt.Errorf("timestamp.cert_file: %w", err)
	}
	return tsa, nil
}

// loadRoot reads the pinned root of the accreditation authority, once for
// everything checked against it; nil when the provider has none.
func loadRoot(c *Config, dir string) (*x509.Certificate, error) {
	if c.Authority.RootCert == "" {
		return nil, nil
	}
	root, err := pki.ReadCertPEM(abs(dir, c.Authority.RootCert))
	if err != nil {
		return nil, fmt.Errorf("authority.root_cert: %w", err)
	}
	return root, nil
}
