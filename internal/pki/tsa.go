package pki

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/cms"
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
	// signer includes the TSA certificate in a token, bare does not (a
	// request without certReq, RFC 3161 §2.4.1). Both sign with the
	// signing-certificate-v2 attribute RFC 3161 §2.4.1 and RFC 5816 ask for.
	signer, bare *cms.Signer
}

// NewTSA makes a TSA from its certificate and key (ECDSA P-256), on clock c
// (nil: the wall clock). The certificate must carry the critical
// timeStamping-only extended key usage of RFC 3161 §2.3.
func NewTSA(cert *x509.Certificate, key crypto.Signer, c clock.Clock) (*TSA, error) {
	if !cms.ExclusiveEKU(cert, oidTimeStamping) {
		return nil, errors.New("the certificate's extended key usage is not timeStamping alone and critical (RFC 3161 §2.3)")
	}
	if c == nil {
		c = clock.Real{}
	}
	ess := cms.SigningCertificateV2(cert)
	signer, err := cms.NewSigner(key, cert, []*x509.Certificate{cert}, ess)
	if err != nil {
		return nil, err
	}
	bare, err := cms.NewSigner(key, cert, nil, ess)
	if err != nil {
		return nil, err
	}
	return &TSA{Cert: cert, Clock: c, Rand: rand.Reader, signer: signer, bare: bare}, nil
}

var _ Timestamper = (*TSA)(nil)

// Timestamp returns a token over digest, with the TSA certificate included.
func (t *TSA) Timestamp(ctx context.Context, digest []byte) ([]byte, error) {
	return t.stamp(ctx, digest, nil, false)
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
	info, err := cms.MarshalTSTInfo(&cms.TSTInfo{
		Policy:        OIDTSAPolicy(),
		HashAlgorithm: crypto.SHA256,
		HashedMessage: digest,
		SerialNumber:  serial,
		GenTime:       now,
		Accuracy:      time.Second,
		Nonce:         nonce,
		TSAName:       t.Cert.RawSubject, // who the TSA is, readable without the certificate
	})
	if err != nil {
		return nil, err
	}
	s := t.signer
	if omitCert {
		s = t.bare
	}
	sig, err := s.Sign(t.Rand, cms.OIDTSTInfo(), info, now)
	if err != nil {
		return nil, err
	}
	return sig.Marshal()
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

// VerifyTimestampToken checks a DER TimeStampToken over a SHA-256 digest
// with cms.VerifyToken, each check named in its error (test with errors.Is):
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
	tok, err := cms.VerifyToken(token, digest, roots)
	if err != nil {
		return nil, fmt.Errorf("time stamp: %w", err)
	}
	return timestampInfo(tok), nil
}

// timestampInfo is what a verified token says.
func timestampInfo(tok *cms.Token) *TimestampInfo {
	return &TimestampInfo{GenTime: tok.Info.GenTime.UTC(), Serial: tok.Info.SerialNumber, Policy: tok.Info.Policy,
		Nonce: tok.Info.Nonce, TSA: tok.TSA}
}
