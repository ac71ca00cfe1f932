package provider

import (
	"crypto/x509"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/pki"
)

// loadSeal loads the provider's seal and checks it against the pinned
// authority root at start: a seal from another authority, expired, or not
// matching its key would sign evidence that nobody can verify, so the server
// refuses to start instead. Nil without a seal.
func loadSeal(c *Config, dir string, now time.Time) (*evidence.KeySigner, error) {
	if c.Seal.CertFile == "" {
		return nil, nil
	}
	root, err := pki.ReadCertPEM(abs(dir, c.Authority.RootCert))
	if err != nil {
		return nil, fmt.Errorf("authority.root_cert: %w", err)
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
