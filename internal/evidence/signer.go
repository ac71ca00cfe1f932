package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
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
	parts *signerParts
}

// NewKeySigner makes a Signer of key, cert and chain (intermediates, issuer
// first, no root). It refuses a key that is not ECDSA P-256 or does not match
// the certificate, and a chain whose links do not verify: a seal that cannot
// produce verifiable evidence is an error at start-up, not at the first letter.
func NewKeySigner(key crypto.Signer, cert *x509.Certificate, chain []*x509.Certificate) (*KeySigner, error) {
	if key == nil || cert == nil {
		return nil, errors.New("evidence: signer: key and certificate are required")
	}
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("evidence: signer: key is %T, want ECDSA P-256", key.Public())
	}
	certPub, ok := cert.PublicKey.(*ecdsa.PublicKey)
	if !ok || !pub.Equal(certPub) {
		return nil, errors.New("evidence: signer: the key does not match the certificate")
	}
	child := cert
	for i, c := range chain {
		if err := child.CheckSignatureFrom(c); err != nil {
			return nil, fmt.Errorf("evidence: signer: chain[%d] (%s) did not issue %s: %w", i, c.Subject, child.Subject, err)
		}
		child = c
	}
	s := &KeySigner{key: key, cert: cert, chain: slices.Clone(chain)}
	s.parts = newSignerParts(cert, s.chain)
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

func (s *KeySigner) signerParts() *signerParts { return s.parts }

// signerParts is the DER that depends on the certificates only.
type signerParts struct {
	cert         *x509.Certificate
	certificates []byte // [0] IMPLICIT CertificateSet: the seal certificate and its chain
	sid          []byte // IssuerAndSerialNumber of the seal certificate
	essAttr      []byte // the signing-certificate-v2 Attribute
}

func newSignerParts(cert *x509.Certificate, chain []*x509.Certificate) *signerParts {
	p := &signerParts{cert: cert}
	// RFC 5652 §5.1: certificates is a SET OF; DER (X.690 §11.6) sorts its
	// elements by their encoding.
	raws := [][]byte{cert.Raw}
	for _, c := range chain {
		raws = append(raws, c.Raw)
	}
	slices.SortFunc(raws, bytes.Compare)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
		for _, r := range raws {
			b.AddBytes(r)
		}
	})
	p.certificates = b.BytesOrPanic()

	// RFC 5652 §10.2.4: IssuerAndSerialNumber, the issuer name as the
	// certificate spells it, byte for byte.
	b = cryptobyte.Builder{}
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddBytes(cert.RawIssuer)
		b.AddASN1BigInt(cert.SerialNumber)
	})
	p.sid = b.BytesOrPanic()
	p.essAttr = essAttribute(cert)
	return p
}

// essAttribute is the signing-certificate-v2 attribute (RFC 5035 §3):
// SigningCertificateV2 ::= SEQUENCE { certs SEQUENCE OF ESSCertIDv2 } with one
// ESSCertIDv2 { certHash OCTET STRING } — the hash algorithm left at its
// default, SHA-256, and without the optional issuerSerial (RFC 5035 §4), which
// ETSI EN 319 122-1 §5.2.2.3 advises leaving out: the hash alone binds the
// certificate, and the issuer and serial are in the SignerInfo anyway.
func essAttribute(cert *x509.Certificate) []byte {
	h := sha256.Sum256(cert.Raw)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addOID(b, oidSigningCertificateV2)
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // SigningCertificateV2
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // certs
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ESSCertIDv2
						b.AddASN1OctetString(h[:])
					})
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// partsOf returns the prepared parts of a KeySigner, or builds them for any
// other Signer.
func partsOf(s Signer) (*signerParts, error) {
	if ks, ok := s.(interface{ signerParts() *signerParts }); ok {
		return ks.signerParts(), nil
	}
	cert := s.Certificate()
	if cert == nil {
		return nil, errors.New("evidence: sign: the signer has no certificate")
	}
	pub, ok := s.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("evidence: sign: key is %T, want ECDSA P-256", s.Public())
	}
	if certPub, ok := cert.PublicKey.(*ecdsa.PublicKey); !ok || !pub.Equal(certPub) {
		return nil, errors.New("evidence: sign: the key does not match the certificate")
	}
	return newSignerParts(cert, s.Chain()), nil
}
