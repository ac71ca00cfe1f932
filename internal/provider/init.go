package provider

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/store/postgres"
)

// InitOptions are siegel init's choices.
type InitOptions struct {
	Dir, Domain, Name string
	Listen            string // default 127.0.0.1:8443
	// Store is the metadata store's URL: "" for SQLite in Dir, or a
	// postgres:// URL for a provider of several nodes.
	Store string
	// BlobDir is the folder of message bodies, "" for Dir/blobs; with
	// PostgreSQL, a folder every node mounts.
	BlobDir string
	// Authority is a local accreditation authority's folder (siegel
	// authority init): it issues the provider's seal and TLS certificates.
	// "" makes a self-signed loopback certificate and no seal.
	Authority string
	Now       time.Time
}

// Init creates a provider's data folder: config, master key, a TLS certificate
// for loopback use, the database and the blob folder. It refuses a folder that
// already holds a config, and a PostgreSQL database that already holds a
// provider, so that nothing is overwritten: a further node of a provider gets
// a copy of the first node's folder instead (docs/operations.md).
func Init(ctx context.Context, o InitOptions) (*Config, error) {
	c := DefaultConfig()
	c.Domain, c.Name = o.Domain, o.Name
	if o.Listen != "" {
		c.Listen = o.Listen
	}
	if o.Store != "" {
		c.Store.URL = o.Store
	}
	if o.BlobDir != "" {
		c.Store.BlobDir = o.BlobDir
	}
	c.PublicURL = "https://" + c.Listen
	if err := c.Check(); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(o.Dir, ConfigFile)); err == nil {
		return nil, fmt.Errorf("%s already holds a provider (%s); not overwriting", o.Dir, ConfigFile)
	}
	var auth *pki.Authority
	if o.Authority != "" {
		a, err := pki.LoadAuthority(o.Authority)
		if err != nil {
			return nil, fmt.Errorf("authority: %w", err)
		}
		auth = a
		keys := "keys"
		c.Authority.RootCert = filepath.Join(keys, pki.RootCertFile)
		c.Seal = SealConfig{CertFile: filepath.Join(keys, pki.SealCertFile), KeyFile: filepath.Join(keys, pki.SealKeyFile)}
		c.TLS = TLSConfig{CertFile: filepath.Join(keys, pki.TLSCertFile), KeyFile: filepath.Join(keys, pki.TLSKeyFile)}
		// A local authority's time-stamping key serves as the built-in
		// TSA: one machine, one operator. A provider of a real federation
		// sets timestamp.url to the authority's service instead.
		c.Timestamp = TimestampConfig{CertFile: filepath.Join(keys, pki.TSACertFile), KeyFile: filepath.Join(keys, pki.TSAKeyFile)}
	}
	if storeKind(c.Store.URL) == "postgres" {
		v, err := postgres.Version(ctx, c.Store.URL)
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		if v > 0 {
			return nil, fmt.Errorf("store: the database already holds a provider (schema version %d); to add a node, copy the first node's data folder instead of running init", v)
		}
	}
	for _, d := range []string{o.Dir, filepath.Join(o.Dir, "keys"), abs(o.Dir, c.Store.BlobDir)} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, err
		}
	}
	key, err := blob.NewKey()
	if err != nil {
		return nil, err
	}
	if err := blob.WriteKey(filepath.Join(o.Dir, c.Keys.MasterKey), key); err != nil {
		return nil, err
	}
	if auth != nil {
		if _, err := auth.Issue(c.Domain, c.Name, filepath.Join(o.Dir, "keys"), o.Now); err != nil {
			return nil, fmt.Errorf("authority: %w", err)
		}
		for _, f := range []struct {
			name string
			mode os.FileMode
		}{{pki.TSACertFile, 0o644}, {pki.TSAKeyFile, 0o600}} {
			b, err := os.ReadFile(filepath.Join(o.Authority, f.name))
			if err != nil {
				return nil, fmt.Errorf("authority: %w", err)
			}
			if err := writeFileSync(filepath.Join(o.Dir, "keys", f.name), b, f.mode); err != nil {
				return nil, err
			}
		}
	} else if err := writeTLSCert(filepath.Join(o.Dir, c.TLS.CertFile), filepath.Join(o.Dir, c.TLS.KeyFile), c.Domain, o.Now); err != nil {
		return nil, err
	}
	b, err := c.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(o.Dir, ConfigFile), b, 0o600); err != nil {
		return nil, err
	}
	return &c, nil
}

// writeTLSCert makes a self-signed certificate for loopback use: the names
// localhost, the domain, 127.0.0.1 and ::1. Production replaces it with the
// certificate the authority issues (the evidence and federation work).
func writeTLSCert(certPath, keyPath, domain string, now time.Time) error {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: domain, Organization: []string{"Siegel loopback"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(2, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true, // so clients can pin it as its own root
		DNSNames:              []string{"localhost", domain},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		return err
	}
	kder, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return err
	}
	if err := writeFileSync(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		return err
	}
	return writeFileSync(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

// writeFileSync writes a new file durably; it refuses to replace one.
func writeFileSync(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	return errors.Join(err, f.Close())
}
