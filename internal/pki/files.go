package pki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/siegel-mail/siegel/internal/durable"
)

// File names in an authority's folder (see the package comment).
const (
	AuthorityFile  = "authority.json"
	RootKeyFile    = "root.key"
	RootCertFile   = "root.crt"
	TSAKeyFile     = "tsa.key"
	TSACertFile    = "tsa.crt"
	SignerKeyFile  = "trustlist-signer.key"
	SignerCertFile = "trustlist-signer.crt"
	ProvidersDir   = "providers"
	SequenceFile   = "trustlist.seq"
	// RevokedFile records every revocation, for every later trust list.
	RevokedFile = "revoked.json"
	// ServerCertFile and ServerKeyFile are the TLS certificate and key of
	// `siegel authority serve`, issued by the root for its host names.
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
	// TrustListFile is where `siegel authority trustlist` writes the list
	// when no --out is given.
	TrustListFile = "trustlist.p7m"
	lockFile      = "authority.lock"
)

// File names in the folder `siegel authority issue` writes for a provider;
// the root certificate is copied there as RootCertFile.
const (
	SealKeyFile  = "seal.key"
	SealCertFile = "seal.crt"
	TLSKeyFile   = "tls.key"
	TLSCertFile  = "tls.crt"
)

// Modes of the files written: a private key is for its owner alone.
const (
	keyMode  os.FileMode = 0o600
	certMode os.FileMode = 0o644
	dirMode  os.FileMode = 0o700
)

// ErrExists is returned, wrapped, when a file or an authority is already
// where something new would be written. Nothing is ever overwritten silently.
var ErrExists = errors.New("already exists")

// encodeCertPEM is the PEM form of a DER certificate.
func encodeCertPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// encodeKeyPEM is the PKCS#8 PEM form of a private key.
func encodeKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// ParseCertPEM parses a PEM file holding exactly one certificate.
func ParseCertPEM(b []byte) (*x509.Certificate, error) {
	block, rest := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM CERTIFICATE block")
	}
	if next, _ := pem.Decode(rest); next != nil {
		return nil, errors.New("more than one PEM block; want exactly one certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

// ReadCertPEM reads a PEM file holding exactly one certificate.
func ReadCertPEM(path string) (*x509.Certificate, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseCertPEM(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// ReadKeyPEM reads a PKCS#8 PEM ECDSA P-256 private key. Like blob.LoadKey it
// refuses a file that group or others may access: whoever reads the root key
// can accredit anyone.
func ReadKeyPEM(path string) (*ecdsa.PrivateKey, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", path)
	}
	// Windows has no such permission bits; access there is by ACL.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("%s: mode %04o lets group or others read a private key; chmod 600", path, perm)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("%s: no PEM PRIVATE KEY (PKCS#8) block", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok || ek.Curve != elliptic.P256() {
		return nil, fmt.Errorf("%s: not an ECDSA P-256 key", path)
	}
	return ek, nil
}

// writeNew writes a new file durably and atomically, and refuses to replace
// an existing one: the data goes to a temporary file that is flushed and then
// hard-linked to its name (a link, unlike a rename, fails when the name is
// taken), so the name never shows a half-written file.
func writeNew(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := durable.WriteTemp(dir, filepath.Base(path), data, mode)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("%s: %w; not overwriting it", path, ErrExists)
		}
		return err
	}
	if err := os.Remove(tmp); err != nil {
		return err
	}
	return durable.SyncDir(dir)
}

// writeReplace replaces (or creates) a file durably and atomically: a reader
// sees the old content or the new, never a mix.
func writeReplace(path string, data []byte, mode os.FileMode) error {
	return durable.ReplaceFile(path, data, mode)
}

// lockDir takes the authority folder's lock, waiting a few seconds for
// another siegel command to finish. Issuing and signing hold it, so two
// commands never hand out one sequence number twice or interleave registry
// writes.
func lockDir(dir string) (unlock func(), err error) {
	f, err := durable.Lock(filepath.Join(dir, lockFile), keyMode, 5*time.Second)
	if err != nil {
		return nil, fmt.Errorf("authority folder %s is in use by another siegel command: %w", dir, err)
	}
	return func() { f.Close() }, nil
}
