package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
)

// Timestamper gets RFC 3161 time-stamp tokens: the in-process TSA or an
// HTTP client of any RFC 3161 server. Implementations are safe for concurrent
// use.
type Timestamper interface {
	// Timestamp returns a DER TimeStampToken (RFC 3161 §2.4.2: CMS
	// SignedData over a TSTInfo) for a SHA-256 digest of 32 bytes.
	Timestamp(ctx context.Context, digest []byte) ([]byte, error)
}

// TSA is an in-process RFC 3161 time-stamping authority. It is safe for
// concurrent use; it keeps no state between tokens (serial numbers are
// random), so several processes may share one TSA key.
type TSA struct {
	Cert  *x509.Certificate
	Clock clock.Clock // genTime
	Rand  io.Reader   // serial numbers; crypto/rand by default
	key   crypto.Signer
	ess   []byte // the signing-certificate-v2 attribute, the same in every token
}

// NewTSA makes a TSA from its certificate and key, on clock c (nil: the wall
// clock). The certificate must carry the critical timeStamping-only extended
// key usage of RFC 3161 §2.3.
func NewTSA(cert *x509.Certificate, key crypto.Signer, c clock.Clock) (*TSA, error) {
	if !hasCriticalEKU(cert, oidTimeStamping) {
		return nil, errors.New("the certificate's extended key usage is not timeStamping alone and critical (RFC 3161 §2.3)")
	}
	if pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !pub.Equal(cert.PublicKey) {
		return nil, errors.New("the private key does not belong to the certificate")
	}
	if c == nil {
		c = clock.Real{}
	}
	ess, err := signingCertificateV2(cert)
	if err != nil {
		return nil, err
	}
	return &TSA{Cert: cert, Clock: c, Rand: rand.Reader, key: key, ess: ess}, nil
}

var _ Timestamper = (*TSA)(nil)

// Timestamp returns a token over digest, with the TSA certificate included.
func (t *TSA) Timestamp(ctx context.Context, digest []byte) ([]byte, error) {
	return t.stamp(ctx, digest, nil, false)
}

// TSTInfo, RFC 3161 §2.4.2. Module RFC 3161 uses implicit tags, but tsa is a
// [0] GeneralName, a CHOICE, so explicit; written by hand.
type tstInfo struct {
	Version        int
	Policy         asn1.ObjectIdentifier
	MessageImprint messageImprint
	SerialNumber   *big.Int
	GenTime        time.Time        `asn1:"generalized"`
	Accuracy       accuracy         `asn1:"optional"`
	Ordering       bool             `asn1:"optional,default:false"`
	Nonce          *big.Int         `asn1:"optional"`
	TSA            asn1.RawValue    `asn1:"optional,tag:0"`
	Extensions     []pkix.Extension `asn1:"optional,tag:1"`
}

type messageImprint struct {
	HashAlgorithm pkix.AlgorithmIdentifier
	HashedMessage []byte
}

type accuracy struct {
	Seconds int `asn1:"optional"`
	Millis  int `asn1:"optional,tag:0"`
	Micros  int `asn1:"optional,tag:1"`
}

// stamp makes a token. nonce is the requester's, if any (RFC 3161 §2.4.2:
// copied into the TSTInfo); omitCert leaves out the TSA certificate, for a
// request that did not ask for it (certReq false).
func (t *TSA) stamp(ctx context.Context, digest []byte, nonce *big.Int, omitCert bool) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(digest) != sha256.Size {
		return nil, fmt.Errorf("digest: want a SHA-256 digest of %d bytes, got %d", sha256.Size, len(digest))
	}
	// DER GeneralizedTime here has whole seconds; the accuracy of one second
	// covers the cut (and assumes a synchronised host clock, which keeping
	// the TSA is about).
	now := t.Clock.Now().UTC().Truncate(time.Second)
	if now.Before(t.Cert.NotBefore) || now.After(t.Cert.NotAfter) {
		return nil, fmt.Errorf("the TSA certificate is valid %s to %s, not at %s", t.Cert.NotBefore.Format(time.RFC3339),
			t.Cert.NotAfter.Format(time.RFC3339), now.Format(time.RFC3339))
	}
	serial, err := newSerial(t.Rand)
	if err != nil {
		return nil, err
	}
	name, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: t.Cert.RawSubject})
	if err != nil {
		return nil, err
	}
	info, err := asn1.Marshal(tstInfo{
		Version:        1,
		Policy:         OIDTSAPolicy(),
		MessageImprint: messageImprint{HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256, Parameters: asn1.NullRawValue}, HashedMessage: digest},
		SerialNumber:   serial,
		GenTime:        now,
		Accuracy:       accuracy{Seconds: 1},
		Nonce:          nonce,
		TSA:            asn1.RawValue{FullBytes: wrap(0, name)}, // directoryName: who the TSA is, readable without the certificate
	})
	if err != nil {
		return nil, err
	}
	return signCMS(info, oidTSTInfo, t.Cert, t.key, omitCert, now, [][]byte{t.ess}, t.Rand)
}

// ESS structures: SigningCertificateV2 (RFC 5035 §5.4, required in tokens by
// RFC 5816 §2.2.1 for SHA-2) and SigningCertificate v1 (RFC 2634 §5.4, which
// other TSAs still send).
type essCertIDv2 struct {
	HashAlgorithm pkix.AlgorithmIdentifier `asn1:"optional"` // DEFAULT sha256: absent in DER
	CertHash      []byte
	IssuerSerial  essIssuerSerial `asn1:"optional"`
}

type essCertID struct {
	CertHash     []byte
	IssuerSerial essIssuerSerial `asn1:"optional"`
}

type essIssuerSerial struct {
	Issuer asn1.RawValue // GeneralNames
	Serial *big.Int
}

// signingCertificateV2 is the attribute binding a token to the TSA
// certificate: a substituted certificate with the same key would not match
// (RFC 5035 §3, RFC 5816).
func signingCertificateV2(cert *x509.Certificate) ([]byte, error) {
	dn, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 4, IsCompound: true, Bytes: cert.RawIssuer})
	if err != nil {
		return nil, err
	}
	names, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: dn})
	if err != nil {
		return nil, err
	}
	h := sha256.Sum256(cert.Raw)
	v, err := asn1.Marshal(struct{ Certs []essCertIDv2 }{[]essCertIDv2{{CertHash: h[:],
		IssuerSerial: essIssuerSerial{Issuer: asn1.RawValue{FullBytes: names}, Serial: cert.SerialNumber}}}})
	if err != nil {
		return nil, err
	}
	return attribute(oidAttrSigningCertV2, v)
}

// checkSigningCertificate checks that the token's ESS attribute names the
// certificate that signed it: its hash is the first entry's (RFC 5035 §5.4.1).
func checkSigningCertificate(m *signedMessage) error {
	if v, ok := m.attrs[oidAttrSigningCertV2.String()]; ok {
		var sc struct {
			Certs    []essCertIDv2
			Policies asn1.RawValue `asn1:"optional"`
		}
		if err := unmarshalExact(v, &sc, ""); err != nil || len(sc.Certs) == 0 {
			return fmt.Errorf("%w: signing-certificate-v2 attribute unreadable", ErrFormat)
		}
		id := sc.Certs[0]
		var h crypto.Hash
		switch alg := id.HashAlgorithm.Algorithm; {
		case len(alg) == 0 || alg.Equal(oidSHA256):
			h = crypto.SHA256
		case alg.Equal(oidSHA384):
			h = crypto.SHA384
		case alg.Equal(oidSHA512):
			h = crypto.SHA512
		default:
			return fmt.Errorf("%w: signing-certificate-v2 hash %v unsupported", ErrFormat, alg)
		}
		d := h.New()
		d.Write(m.signer.Raw)
		if !bytes.Equal(d.Sum(nil), id.CertHash) {
			return fmt.Errorf("%w: the signing-certificate attribute names another certificate than the signer's", ErrSignerRole)
		}
		return nil
	}
	if v, ok := m.attrs[oidAttrSigningCert.String()]; ok {
		var sc struct {
			Certs    []essCertID
			Policies asn1.RawValue `asn1:"optional"`
		}
		if err := unmarshalExact(v, &sc, ""); err != nil || len(sc.Certs) == 0 {
			return fmt.Errorf("%w: signing-certificate attribute unreadable", ErrFormat)
		}
		// ESSCertID is SHA-1 by definition; here it identifies, it does not
		// carry the signature's strength.
		if h := sha1.Sum(m.signer.Raw); !bytes.Equal(h[:], sc.Certs[0].CertHash) {
			return fmt.Errorf("%w: the signing-certificate attribute names another certificate than the signer's", ErrSignerRole)
		}
		return nil
	}
	return fmt.Errorf("%w: no signing-certificate attribute (RFC 3161 §2.4.1 requires one)", ErrFormat)
}

// TimestampInfo is what a verified token says.
type TimestampInfo struct {
	GenTime time.Time
	Serial  *big.Int
	Policy  asn1.ObjectIdentifier
	Nonce   *big.Int          // nil when the request had none
	TSA     *x509.Certificate // the certificate that signed the token
}

// VerifyTimestamp checks a token and returns its genTime; see
// VerifyTimestampToken.
func VerifyTimestamp(token, digest []byte, roots *x509.CertPool) (time.Time, error) {
	info, err := VerifyTimestampToken(token, digest, roots)
	if err != nil {
		return time.Time{}, err
	}
	return info.GenTime, nil
}

// VerifyTimestampToken checks a DER TimeStampToken over a SHA-256 digest, each
// check named in its error (test with errors.Is):
//
//   - ErrFormat: DER CMS SignedData of a TSTInfo, version 1, one signer, the
//     TSA certificate included, a signing-certificate attribute;
//   - ErrSignature: the TSTInfo digest and the signature verify;
//   - ErrImprint: the token covers digest, as SHA-256;
//   - ErrSignerRole: the signing-certificate attribute names the signer's
//     certificate, which has the critical timeStamping-only extended key
//     usage (RFC 3161 §2.3);
//   - ErrChain: that certificate chains to roots at genTime, through any other
//     certificates the token includes.
//
// The chain is checked at genTime, not now: a token stays evidence after the
// TSA certificate expires (DMG §20 (4) keeps confirmations valid).
// Revocation is not checked; the roots passed are the trust decision.
func VerifyTimestampToken(token, digest []byte, roots *x509.CertPool) (*TimestampInfo, error) {
	if roots == nil {
		return nil, errors.New("time stamp: no roots to check it against")
	}
	info, m, err := readToken(token, digest)
	if err != nil {
		return nil, err
	}
	if !hasCriticalEKU(m.signer, oidTimeStamping) {
		return nil, fmt.Errorf("time stamp: %w: certificate %q is not a TSA's (RFC 3161 §2.3 extended key usage)", ErrSignerRole, m.signer.Subject.CommonName)
	}
	inter := x509.NewCertPool()
	for _, c := range m.certs {
		if c != m.signer {
			inter.AddCert(c)
		}
	}
	if _, err := m.signer.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: info.GenTime,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		return nil, fmt.Errorf("time stamp: %w: TSA %q at %s: %v", ErrChain, m.signer.Subject.CommonName, info.GenTime.Format(time.RFC3339), err)
	}
	return info, nil
}

// readToken verifies a token's signature and reads its TSTInfo, checking it
// covers digest; everything but the TSA's role and chain.
func readToken(token, digest []byte) (*TimestampInfo, *signedMessage, error) {
	if len(digest) != sha256.Size {
		return nil, nil, fmt.Errorf("time stamp: digest: want a SHA-256 digest of %d bytes, got %d", sha256.Size, len(digest))
	}
	m, err := verifyCMS(token)
	if err != nil {
		return nil, nil, fmt.Errorf("time stamp: %w", err)
	}
	if !m.contentType.Equal(oidTSTInfo) {
		return nil, nil, fmt.Errorf("time stamp: %w: content type %v is not TSTInfo", ErrFormat, m.contentType)
	}
	if err := checkSigningCertificate(m); err != nil {
		return nil, nil, fmt.Errorf("time stamp: %w", err)
	}
	var ti tstInfo
	if err := unmarshalExact(m.content, &ti, ""); err != nil {
		return nil, nil, fmt.Errorf("time stamp: %w: TSTInfo: %v", ErrFormat, err)
	}
	if ti.Version != 1 || ti.SerialNumber == nil || ti.SerialNumber.Sign() <= 0 {
		return nil, nil, fmt.Errorf("time stamp: %w: TSTInfo version or serial number", ErrFormat)
	}
	alg := ti.MessageImprint.HashAlgorithm
	if !alg.Algorithm.Equal(oidSHA256) || !paramsAbsentOrNull(alg) {
		return nil, nil, fmt.Errorf("time stamp: %w: the token covers a %v digest, not SHA-256", ErrImprint, alg.Algorithm)
	}
	if !bytes.Equal(ti.MessageImprint.HashedMessage, digest) {
		return nil, nil, fmt.Errorf("time stamp: %w: the token covers another digest than the one given", ErrImprint)
	}
	return &TimestampInfo{GenTime: ti.GenTime.UTC(), Serial: ti.SerialNumber, Policy: ti.Policy, Nonce: ti.Nonce, TSA: m.signer}, m, nil
}
