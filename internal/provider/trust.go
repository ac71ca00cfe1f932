package provider

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"log/slog"
	"net/http"
	"path/filepath"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/federation"
)

// TrustListFile keeps the last good trust list in the data folder.
const TrustListFile = "trustlist.p7m"

// openTrust loads the last good trust list and fetches a fresh one, when
// the config names where the authority publishes it. A failed fetch at start
// is logged, not fatal: the node works with the list it has (TR BInfra-IO
// §7: the list is cached). Nil without federation.
func openTrust(ctx context.Context, c *Config, dir string, root *x509.Certificate, clk clock.Clock, log *slog.Logger) (*federation.TrustStore, error) {
	if c.Federation.TrustListURL == "" {
		return nil, nil
	}
	// The authority's server may have a certificate from its own root or
	// from a public CA.
	pool, err := x509.SystemCertPool()
	if err != nil {
		pool = x509.NewCertPool()
	}
	pool.AddCert(root)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	t := &federation.TrustStore{URL: c.Federation.TrustListURL, Root: root, Path: filepath.Join(dir, TrustListFile),
		Client: client, Clock: clk, Log: log}
	if err := t.Load(); err != nil {
		return nil, err
	}
	fctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := t.Refresh(fctx); err != nil {
		l, _ := t.Current()
		log.Warn("trust list not fetched at start; using the last good one", "err", err, "have", l != nil)
	}
	return t, nil
}
