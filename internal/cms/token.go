package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Token is a time-stamp token (RFC 3161 §2.4.2): SignedData over a TSTInfo.
type Token struct {
	SignedData SignedData
	Info       TSTInfo
	// TSA is the certificate that signed the token; Verify sets it.
	TSA   *x509.Certificate
	certs []*x509.Certificate // every certificate in the token, for VerifyTSA
}

// ParseToken reads a DER TimeStampToken without verifying it: SignedData as
// Parse accepts it, with a TSTInfo as attached content (version 1), a
// signing-certificate(-v2) attribute (RFC 3161 §2.4.1) and no unsigned
// attributes, which nothing would protect. It is all a signer needs to see
// that a token answers its request (CheckImprint); a relying party goes on
// with Verify and VerifyTSA, or calls VerifyToken. Every error wraps ErrFormat.
func ParseToken(der []byte) (*Token, error) {
	// One allocation for the token, the SignedData and the TSTInfo: a
	// signer reads a token per signature.
	t := new(Token)
	sd := &t.SignedData
	if err := sd.parse(der); err != nil {
		return nil, err
	}
	if string(sd.contentType) != oidTSTInfo {
		return nil, formatf("content type %v is not TSTInfo", sd.ContentType)
	}
	if sd.Detached { // RFC 3161 §2.4.2: the token is the TSTInfo, signed
		return nil, formatf("the TSTInfo is detached: a token carries it")
	}
	if !sd.HasSigningCertificate() {
		return nil, formatf("no signing-certificate attribute (RFC 3161 §2.4.1 requires one)")
	}
	if sd.UnsignedAttrs.Len() > 0 {
		return nil, formatf("unsigned attributes in the token, which its signature does not protect")
	}
	if err := parseTSTInfo(sd.Content, &t.Info); err != nil {
		return nil, err
	}
	return t, nil
}

// CheckImprint checks that the token covers digest, a SHA-256 digest
// (ErrImprint). It does not verify the signature.
func (t *Token) CheckImprint(digest []byte) error {
	if len(digest) != sha256.Size {
		return fmt.Errorf("digest: want a SHA-256 digest of %d bytes, got %d", sha256.Size, len(digest))
	}
	if t.Info.HashAlgorithm != crypto.SHA256 {
		return fmt.Errorf("%w: the token covers a digest of another algorithm than SHA-256", ErrImprint)
	}
	if !bytes.Equal(t.Info.HashedMessage, digest) {
		return fmt.Errorf("%w: the token covers %x, not the digest given, %x", ErrImprint, t.Info.HashedMessage, digest)
	}
	return nil
}

// Verify checks what the token says of itself: its signature, by the
// included certificate its signing-certificate attribute names
// (SignedData.Verify), and that it covers digest (CheckImprint). It sets
// TSA. Whether that certificate is a TSA the caller trusts is VerifyTSA's
// question.
func (t *Token) Verify(digest []byte) error {
	signer, certs, err := t.SignedData.Verify()
	if err != nil {
		return err
	}
	if err := t.CheckImprint(digest); err != nil {
		return err
	}
	t.TSA, t.certs = signer, certs
	return nil
}

// VerifyTSA checks the certificate that signed the token, after Verify: its
// extended key usage is timeStamping alone and critical (RFC 3161 §2.3;
// ErrSignerRole), and it chains to roots at genTime, through the other
// certificates in the token (ErrChain). At genTime, not now: a token stays
// evidence after the TSA certificate expires (ETSI EN 319 102-1 §5.6).
// Revocation is not checked; the roots are the trust decision.
func (t *Token) VerifyTSA(roots *x509.CertPool) error {
	if t.TSA == nil {
		return errors.New("cms: VerifyTSA before a successful Verify")
	}
	if roots == nil {
		return errors.New("no roots to check the TSA's certificate against")
	}
	if !exclusiveEKU(t.TSA, oidTimeStamping) {
		return fmt.Errorf("%w: certificate %q is not a TSA's: its extended key usage is not timeStamping alone and critical (RFC 3161 §2.3)",
			ErrSignerRole, t.TSA.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range t.certs {
		if c != t.TSA {
			inter.AddCert(c)
		}
	}
	_, err := t.TSA.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: t.Info.GenTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}})
	if err != nil {
		return fmt.Errorf("%w: TSA %q at %s: %v", ErrChain, t.TSA.Subject.CommonName, t.Info.GenTime.UTC().Format(time.RFC3339), err)
	}
	return nil
}

// VerifyToken checks a DER TimeStampToken over a SHA-256 digest completely:
// ParseToken, Verify, VerifyTSA, in that order. Each failure wraps one of
// the Err… values: ErrFormat, ErrSignature (ErrContentType,
// ErrMessageDigest), ErrSigningCertificate, ErrImprint, ErrSignerRole,
// ErrChain.
func VerifyToken(der, digest []byte, roots *x509.CertPool) (*Token, error) {
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("digest: want a SHA-256 digest of %d bytes, got %d", sha256.Size, len(digest))
	}
	if roots == nil {
		return nil, errors.New("no roots to check the TSA's certificate against")
	}
	t, err := ParseToken(der)
	if err != nil {
		return nil, err
	}
	if err := t.Verify(digest); err != nil {
		return nil, err
	}
	if err := t.VerifyTSA(roots); err != nil {
		return nil, err
	}
	return t, nil
}

// ExclusiveEKU reports whether c has a critical extended key usage extension
// that holds eku and nothing else: what RFC 3161 §2.3 requires of a TSA, and
// what keeps any other relying party from taking a certificate of one role
// for another.
func ExclusiveEKU(c *x509.Certificate, eku asn1.ObjectIdentifier) bool {
	want, err := oidContents(eku)
	return err == nil && exclusiveEKU(c, want)
}

func exclusiveEKU(c *x509.Certificate, want string) bool {
	n := 0
	for _, e := range c.Extensions {
		if !e.Id.Equal(asn1.ObjectIdentifier{2, 5, 29, 37}) { // RFC 5280 §4.2.1.12
			continue
		}
		n++
		s := cryptobyte.String(e.Value)
		var seq, oid cryptobyte.String
		if !e.Critical || !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !s.Empty() ||
			!seq.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !seq.Empty() || string(oid) != want {
			return false
		}
	}
	return n == 1
}
