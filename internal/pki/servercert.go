package pki

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
)

// The server certificate lives a year and is renewed 30 days before it
// expires, so a server that runs for months never presents an expired one.
const (
	serverYears   = 1
	serverRenewal = 30 * 24 * time.Hour
)

// serverCerts hands the TLS stack the server certificate, renewing it when
// it comes within serverRenewal of its end.
type serverCerts struct {
	a     *Authority
	hosts []string
	clock clock.Clock
	log   *slog.Logger

	mu   sync.Mutex
	cert *tls.Certificate
	// next is when to look again at a certificate that is due for renewal
	// already: one the root's own end cuts short stays due, and must not be
	// issued again at every handshake.
	next time.Time
}

func (s *serverCerts) get() (*tls.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	if s.cert != nil && (now.Add(serverRenewal).Before(s.cert.Leaf.NotAfter) || now.Before(s.next)) {
		return s.cert, nil
	}
	s.next = now.Add(time.Hour)
	c, why, err := s.a.serverCertificate(s.hosts, now)
	if err != nil {
		return nil, err
	}
	if why != "" {
		s.log.Info("issued the server certificate", "hosts", s.hosts, "not_after", c.Leaf.NotAfter, "why", why)
	}
	s.cert = c
	return c, nil
}

// serverCertificate returns the server certificate for hosts at now: the one
// in the folder if it fits, else a new one from the root, written to the
// folder. why says why one was issued; "" when the one in the folder was
// kept.
func (a *Authority) serverCertificate(hosts []string, now time.Time) (*tls.Certificate, string, error) {
	names, err := serverNames(hosts)
	if err != nil {
		return nil, "", err
	}
	unlock, err := lockDir(a.Dir)
	if err != nil {
		return nil, "", err
	}
	defer unlock()
	cert, key, why := a.loadServerCert(names, now)
	if why == "" {
		return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, "", nil
	}
	if key, err = newKey(); err != nil {
		return nil, "", err
	}
	if cert, err = issue(a.Rand, serverTemplate(a.Name, names), a.Root, &key.PublicKey, a.rootKey, now, serverYears); err != nil {
		return nil, "", fmt.Errorf("server certificate: %w", err)
	}
	keyPEM, err := encodeKeyPEM(key)
	if err != nil {
		return nil, "", err
	}
	// The key first: after a crash between the two, the pair does not
	// match and the next start issues again.
	if err := writeReplace(filepath.Join(a.Dir, ServerKeyFile), keyPEM, keyMode); err != nil {
		return nil, "", err
	}
	if err := writeReplace(filepath.Join(a.Dir, ServerCertFile), encodeCertPEM(cert.Raw), certMode); err != nil {
		return nil, "", err
	}
	return &tls.Certificate{Certificate: [][]byte{cert.Raw}, PrivateKey: key, Leaf: cert}, why, nil
}

// loadServerCert reads the server certificate and key from the folder and
// says why they cannot serve names at now; "" when they can.
func (a *Authority) loadServerCert(names []string, now time.Time) (*x509.Certificate, *ecdsa.PrivateKey, string) {
	cert, err := ReadCertPEM(filepath.Join(a.Dir, ServerCertFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, "none yet"
	}
	if err != nil {
		return nil, nil, err.Error()
	}
	key, err := ReadKeyPEM(filepath.Join(a.Dir, ServerKeyFile))
	if err != nil {
		return nil, nil, err.Error()
	}
	switch {
	case matchKey(cert, key) != nil:
		return nil, nil, ServerKeyFile + " does not belong to " + ServerCertFile
	case cert.CheckSignatureFrom(a.Root) != nil:
		return nil, nil, "not issued by the root"
	case !slices.Equal(certNames(cert), names):
		return nil, nil, fmt.Sprintf("the names changed from %v", certNames(cert))
	case now.Before(cert.NotBefore):
		return nil, nil, "not valid yet"
	case !now.Add(serverRenewal).Before(cert.NotAfter):
		return nil, nil, "it expires at " + cert.NotAfter.Format(time.RFC3339)
	}
	return cert, key, ""
}

// serverNames checks the server's host names (DNS names or IP addresses) and
// returns them canonical, sorted, each once. Problems name the field "host".
func serverNames(hosts []string) ([]string, error) {
	var names []string
	for _, h := range hosts {
		c, err := canonicalHost(h)
		if err != nil {
			return nil, problem.Field("host", "syntax", "%q: %v", h, err)
		}
		names = append(names, c)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// certNames are the names a certificate is issued for, as serverNames gives
// them.
func certNames(c *x509.Certificate) []string {
	names := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		if a, ok := netip.AddrFromSlice(ip); ok {
			names = append(names, a.Unmap().String())
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// serverTemplate is the federation server's certificate: server
// authentication only, for names.
func serverTemplate(authority string, names []string) *x509.Certificate {
	t := &x509.Certificate{
		Subject:     pkix.Name{CommonName: authority + " Federation Server", Organization: []string{authority}},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if a, err := netip.ParseAddr(n); err == nil {
			t.IPAddresses = append(t.IPAddresses, net.IP(a.AsSlice()))
		} else {
			t.DNSNames = append(t.DNSNames, strings.ToLower(n))
		}
	}
	return t
}
