package evidence

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/siegel-mail/siegel/internal/cms"
)

// Signer is the provider's seal: a key that signs SHA-256 digests, with its
// certificate and the chain up to (without) the root. The key may live in a
// PKCS#11 token, so Sign only ever calls Sign on it and never asks for the
// private key itself. The key must be ECDSA P-256 (DESIGN "Signatures").
type Signer interface {
	crypto.Signer
	Certificate() *x509.Certificate
	// Chain returns the intermediate certificates, the issuer of Certificate
	// first, without the root: a verifier brings its own roots.
	Chain() []*x509.Certificate
}

// Timestamper gets an RFC 3161 time-stamp token for a SHA-256 digest, from the
// authority's time-stamping service. The token is the DER TimeStampToken
// (a CMS ContentInfo), not the whole TimeStampResp, and must carry the TSA's
// certificate (certReq true, RFC 3161 §2.4.1), so the evidence file checks
// offline.
type Timestamper interface {
	Timestamp(ctx context.Context, digest []byte) (token []byte, err error)
}

// KeySigner is a Signer over any crypto.Signer. It prepares, once, every part
// of the CMS structure that depends on the certificates only, so Sign does not
// encode or hash certificates per call.
type KeySigner struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
	cms   *cms.Signer
}

// NewKeySigner makes a Signer of key, cert and chain (intermediates, issuer
// first, no root). It refuses a key that is not ECDSA P-256 or does not match
// the certificate, and a chain whose links do not verify: a seal that cannot
// produce verifiable evidence is an error at start-up, not at the first letter.
func NewKeySigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*KeySigner, error) {
	if key == nil || cert == nil {
		return nil, errors.New("evidence: signer: key and certificate are required")
	}
	child := cert
	for i, c := range chain {
		if err := child.CheckSignatureFrom(c); err != nil {
			return nil, fmt.Errorf("evidence: signer: chain[%d] (%s) did not issue %s: %w", i, c.Subject, child.Subject, err)
		}
		child = c
	}
	s := &KeySigner{key: key, cert: cert, chain: slices.Clone(chain)}
	var err error
	if s.cms, err = newCMSSigner(key, cert, s.chain); err != nil {
		return nil, fmt.Errorf("evidence: signer: %w", err)
	}
	return s, nil
}

// Public returns the public key.
func (s *KeySigner) Public() crypto.PublicKey { return s.key.Public() }

// Sign signs digest with the key.
func (s *KeySigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return s.key.Sign(rand, digest, opts)
}

// Certificate returns the seal certificate.
func (s *KeySigner) Certificate() *x509.Certificate { return s.cert }

// Chain returns the intermediates.
func (s *KeySigner) Chain() []*x509.Certificate { return s.chain }

func (s *KeySigner) cmsSigner() *cms.Signer { return s.cms }

// newCMSSigner prepares the seal for CAdES baseline B (ETSI EN 319 122-1
// §6.3): the seal certificate with its chain in the file (not the root: a
// verifier brings its own), and the signed attribute signing-certificate-v2.
// cms.NewSigner refuses a key that is not ECDSA P-256 or not the
// certificate's (DESIGN "Signatures").
func newCMSSigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*cms.Signer, error) {
	include := append([]*x509.Certificate{cert}, chain...)
	return cms.NewSigner(key, cert, include, cms.SigningCertificateV2(cert))
}

// cmsSignerOf returns the prepared signer of a KeySigner, or prepares one
// for any other Signer.
func cmsSignerOf(s Signer) (*cms.Signer, error) {
	if ks, ok := s.(interface{ cmsSigner() *cms.Signer }); ok {
		return ks.cmsSigner(), nil
	}
	cert := s.Certificate()
	if cert == nil {
		return nil, errors.New("evidence: sign: the signer has no certificate")
	}
	cs, err := newCMSSigner(s, cert, s.Chain())
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: %w", err)
	}
	return cs, nil
}
