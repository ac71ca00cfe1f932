package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/cms"
)

// DefaultMaxSkew is how far the signing time may lie after the time-stamp's
// time: the seal and the time-stamping service have separate clocks.
const DefaultMaxSkew = 2 * time.Minute

// Sign seals an evidence document: CMS SignedData (RFC 5652) with doc as the
// attached content, signed by s at now, then time-stamped by ts over the
// signature value. The result is DER; `openssl cms -verify` prints doc.
//
// Sign parses doc first and refuses what Verify would refuse later: a document
// Parse rejects, an issuer certificate other than the signer's, a signer
// certificate not valid at now, and a time-stamp token that is not DER, does
// not carry the TSA's certificate, does not cover this signature, or is more
// than DefaultMaxSkew older than now. (The token's signature and the TSA's
// chain are Verify's to check: the TSA is the authority's service.) The key is
// used through s.Sign only (see Signer). SignEvidence does the same for an
// Evidence, without parsing what Marshal has just written.
func Sign(ctx context.Context, doc []byte, s Signer, ts Timestamper, now time.Time) ([]byte, error) {
	e, err := Parse(doc)
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: the document: %w", err)
	}
	return sign(ctx, doc, e.Issuer.Certificate, s, ts, now)
}

// SignEvidence marshals e and signs it as Sign does. It is the path for
// evidence made in this process: Marshal checks e, and what Marshal writes
// Parse reads back unchanged (FuzzMarshal), so the document is not parsed
// again.
func SignEvidence(ctx context.Context, e *Evidence, s Signer, ts Timestamper, now time.Time) ([]byte, error) {
	doc, err := Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: the document: %w", err)
	}
	return sign(ctx, doc, e.Issuer.Certificate, s, ts, now)
}

// sign signs doc, a valid evidence document naming issuerCert, and writes
// the evidence file: doc attached (seal).
func sign(ctx context.Context, doc, issuerCert []byte, s Signer, ts Timestamper, now time.Time) ([]byte, error) {
	sig, tst, err := seal(ctx, doc, issuerCert, s, ts, now)
	if err != nil {
		return nil, err
	}
	return sig.Marshal(tst)
}

// seal signs content for a document naming issuerCert: the CAdES baseline
// B signature (ETSI EN 319 122-1 §6.3: content-type, message-digest,
// signing-time, signing-certificate-v2; the seal certificate and its chain)
// over content as id-data, and the signature time-stamp that makes it B-T
// (§5.3), returned as the one unsigned attribute for the caller to write,
// with the content attached (an evidence file) or detached (a confirmation
// message).
func seal(ctx context.Context, content, issuerCert []byte, s Signer, ts Timestamper, now time.Time) (cms.Signature, cms.Attribute, error) {
	var none cms.Attribute
	cs, err := cmsSignerOf(s)
	if err != nil {
		return cms.Signature{}, none, err
	}
	cert := s.Certificate()
	if !bytes.Equal(issuerCert, cert.Raw) {
		return cms.Signature{}, none, errors.New("evidence: sign: the document's issuer certificate is not the signer's certificate")
	}
	now = now.UTC().Truncate(time.Second) // signing-time has whole seconds
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return cms.Signature{}, none, fmt.Errorf("evidence: sign: the seal certificate is valid from %s to %s, not at %s",
			stamp(cert.NotBefore), stamp(cert.NotAfter), stamp(now))
	}
	sig, err := cs.Sign(rand.Reader, cms.OIDData(), content, now)
	if err != nil {
		return cms.Signature{}, none, fmt.Errorf("evidence: sign: the seal: %w", err)
	}
	// RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3: the time-stamp imprint is
	// the hash of the signature value (the OCTET STRING's contents).
	imprint := sha256.Sum256(sig.Value)
	token, err := ts.Timestamp(ctx, imprint[:])
	if err != nil {
		return cms.Signature{}, none, fmt.Errorf("evidence: sign: time-stamp: %w", err)
	}
	genTime, err := tokenTime(token, imprint[:])
	if err != nil {
		return cms.Signature{}, none, fmt.Errorf("evidence: sign: time-stamp token: %w", err)
	}
	if now.After(genTime.Add(DefaultMaxSkew)) {
		return cms.Signature{}, none, fmt.Errorf("evidence: sign: the time-stamp says %s, more than %s before the signing time %s",
			stamp(genTime), DefaultMaxSkew, stamp(now))
	}
	return sig, cms.Attribute{Type: cms.OIDTimeStampToken(), Value: token}, nil
}

// tokenTime reads what Sign needs from a time-stamp token without verifying
// its signature (Verify does that): it is a token as cms.ParseToken reads it,
// it carries certificates, without which the evidence could not be checked
// offline (the request asks for them: certReq, RFC 3161 §2.4.1), and it
// covers imprint. It returns the token's genTime.
func tokenTime(token, imprint []byte) (time.Time, error) {
	tok, err := cms.ParseToken(token)
	if err != nil {
		return time.Time{}, err
	}
	if len(tok.SignedData.Certificates) == 0 {
		return time.Time{}, errors.New("the token carries no certificates, so the evidence could not be checked offline (certReq, RFC 3161 §2.4.1)")
	}
	if err := tok.CheckImprint(imprint); err != nil {
		return time.Time{}, err
	}
	return tok.Info.GenTime, nil
}
