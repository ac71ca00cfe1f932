package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers, as the content octets of their DER encoding: strings, so
// they are constants (TestOIDConstants checks each against its dotted form).
const (
	oidSignedData           = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02"         // 1.2.840.113549.1.7.2, RFC 5652 §5.1
	oidData                 = "\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01"         // 1.2.840.113549.1.7.1, RFC 5652 §4
	oidSHA256               = "\x60\x86\x48\x01\x65\x03\x04\x02\x01"         // 2.16.840.1.101.3.4.2.1, RFC 5754 §2.2
	oidECDSAWithSHA256      = "\x2a\x86\x48\xce\x3d\x04\x03\x02"             // 1.2.840.10045.4.3.2, RFC 5754 §3.3
	oidContentType          = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03"         // 1.2.840.113549.1.9.3, RFC 5652 §11.1
	oidMessageDigest        = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x04"         // 1.2.840.113549.1.9.4, RFC 5652 §11.2
	oidSigningTime          = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x05"         // 1.2.840.113549.1.9.5, RFC 5652 §11.3
	oidSigningCertificateV2 = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x2f" // 1.2.840.113549.1.9.16.2.47, RFC 5035 §3
	oidTimeStampToken       = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x02\x0e" // 1.2.840.113549.1.9.16.2.14, RFC 3161 Appendix A
	oidTSTInfo              = "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x10\x01\x04" // 1.2.840.113549.1.9.16.1.4, RFC 3161 §2.4.2
)

// DefaultMaxSkew is how far the signing time may lie after the time-stamp's
// time: the seal and the time-stamping service have separate clocks.
const DefaultMaxSkew = 2 * time.Minute

func addOID(b *cryptobyte.Builder, oid string) {
	b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oid)) })
}

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

// sign signs doc, a valid evidence document naming issuerCert.
func sign(ctx context.Context, doc, issuerCert []byte, s Signer, ts Timestamper, now time.Time) ([]byte, error) {
	parts, err := partsOf(s)
	if err != nil {
		return nil, err
	}
	if !bytes.Equal(issuerCert, parts.cert.Raw) {
		return nil, errors.New("evidence: sign: the document's issuer certificate is not the signer's certificate")
	}
	now = now.UTC().Truncate(time.Second) // signing-time has whole seconds
	if now.Before(parts.cert.NotBefore) || now.After(parts.cert.NotAfter) {
		return nil, fmt.Errorf("evidence: sign: the seal certificate is valid from %s to %s, not at %s",
			stamp(parts.cert.NotBefore), stamp(parts.cert.NotAfter), stamp(now))
	}
	digest := sha256.Sum256(doc)
	attrs, err := signedAttributes(digest[:], now, parts.essAttr)
	if err != nil {
		return nil, err
	}
	// RFC 5652 §5.4: the signature is over the DER of the signed attributes
	// as a SET OF, which is how signedAttributes encodes them.
	h := sha256.Sum256(attrs)
	sig, err := s.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: the seal: %w", err)
	}
	if !isECDSASignature(sig) {
		// crypto.Signer promises ASN.1 for ECDSA; PKCS#11 gives r‖s.
		return nil, fmt.Errorf("evidence: sign: the seal returned %d bytes that are not an ASN.1 ECDSA signature", len(sig))
	}
	// RFC 3161 Appendix A; ETSI EN 319 122-1 §5.3: the time-stamp imprint is
	// the hash of the signature value (the OCTET STRING's contents).
	imprint := sha256.Sum256(sig)
	token, err := ts.Timestamp(ctx, imprint[:])
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: time-stamp: %w", err)
	}
	genTime, err := tokenImprintTime(token, imprint[:])
	if err != nil {
		return nil, fmt.Errorf("evidence: sign: time-stamp token: %w", err)
	}
	if now.After(genTime.Add(DefaultMaxSkew)) {
		return nil, fmt.Errorf("evidence: sign: the time-stamp says %s, more than %s before the signing time %s",
			stamp(genTime), DefaultMaxSkew, stamp(now))
	}
	return assemble(doc, parts, attrs, sig, token)
}

// isECDSASignature reports whether sig is a DER Ecdsa-Sig-Value
// (RFC 3279 §2.2.3): SEQUENCE { r INTEGER, s INTEGER }.
func isECDSASignature(sig []byte) bool {
	s := cryptobyte.String(sig)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, cbasn1.SEQUENCE) && s.Empty() &&
		seq.SkipASN1(cbasn1.INTEGER) && seq.SkipASN1(cbasn1.INTEGER) && seq.Empty()
}

// signedAttributes encodes the signed attributes as a DER SET OF Attribute:
// content-type and message-digest (RFC 5652 §11.1, §11.2; required with
// signed attributes), signing-time (§11.3) and signing-certificate-v2
// (RFC 5035), the CAdES baseline B set (ETSI EN 319 122-1 §6.3).
func signedAttributes(digest []byte, now time.Time, essAttr []byte) ([]byte, error) {
	now = now.UTC()
	var st []byte
	// RFC 5652 §11.3: UTCTime for 1950 to 2049, GeneralizedTime otherwise.
	switch y := now.Year(); {
	case y >= 1950 && y < 2050:
		st = appendTLV(nil, tagUTCTime, now.AppendFormat(make([]byte, 0, 13), "060102150405Z"))
	case y >= 0 && y <= 9999:
		st = appendTLV(nil, tagGenTime, now.AppendFormat(make([]byte, 0, 15), "20060102150405Z"))
	default:
		return nil, fmt.Errorf("evidence: sign: signing-time %s cannot be encoded", stamp(now))
	}
	return derSet([][]byte{
		attribute(oidContentType, appendOID(nil, oidData)),
		attribute(oidMessageDigest, appendTLV(nil, tagOctetString, digest)),
		attribute(oidSigningTime, st),
		essAttr,
	}), nil
}

// attribute encodes Attribute ::= SEQUENCE { attrType, attrValues SET OF } with one value.
func attribute(oid string, value []byte) []byte {
	n := tlvSize(len(oid)) + tlvSize(len(value))
	b := make([]byte, 0, tlvSize(n))
	b = appendHeader(b, tagSequence, n)
	b = appendOID(b, oid)
	return appendTLV(b, tagSet, value)
}

// derSet encodes a SET OF from element encodings, sorted as DER requires
// (X.690 §11.6).
func derSet(elems [][]byte) []byte {
	slices.SortFunc(elems, bytes.Compare)
	n := 0
	for _, e := range elems {
		n += len(e)
	}
	b := appendHeader(make([]byte, 0, tlvSize(n)), tagSet, n)
	for _, e := range elems {
		b = append(b, e...)
	}
	return b
}

// assemble writes the ContentInfo around everything (RFC 5652 §3, §5), sizes
// first, then front to back. SignedData version 1: eContentType is id-data,
// the signer is identified by issuer and serial number, and there are no
// attribute certificates (§5.1). The signed attributes are [0] IMPLICIT: the
// SET's contents under another tag. The one unsigned attribute is the
// signature-time-stamp (RFC 3161 Appendix A).
func assemble(doc []byte, parts *signerParts, attrs, sig, token []byte) ([]byte, error) {
	attrsBody := setContents(attrs)
	tsAttr := tlvSize(len(oidTimeStampToken)) + tlvSize(len(token))
	si := len(derVersion1) + len(parts.sid) + len(derAlgSHA256) + tlvSize(len(attrsBody)) +
		len(derAlgECDSA) + tlvSize(len(sig)) + tlvSize(tlvSize(tsAttr))
	encap := tlvSize(len(oidData)) + tlvSize(tlvSize(len(doc)))
	sd := len(derVersion1) + tlvSize(len(derAlgSHA256)) + tlvSize(encap) + len(parts.certificates) + tlvSize(tlvSize(si))
	ci := tlvSize(len(oidSignedData)) + tlvSize(tlvSize(sd))

	b := make([]byte, 0, tlvSize(ci))
	b = appendHeader(b, tagSequence, ci) // ContentInfo
	b = appendOID(b, oidSignedData)
	b = appendHeader(b, tagContext0, tlvSize(sd))
	b = appendHeader(b, tagSequence, sd) // SignedData
	b = append(b, derVersion1...)
	b = appendHeader(b, tagSet, len(derAlgSHA256)) // digestAlgorithms
	b = append(b, derAlgSHA256...)
	b = appendHeader(b, tagSequence, encap) // EncapsulatedContentInfo
	b = appendOID(b, oidData)
	b = appendHeader(b, tagContext0, tlvSize(len(doc)))
	b = appendTLV(b, tagOctetString, doc)
	b = append(b, parts.certificates...)
	b = appendHeader(b, tagSet, tlvSize(si)) // signerInfos
	b = appendHeader(b, tagSequence, si)     // SignerInfo
	b = append(b, derVersion1...)
	b = append(b, parts.sid...)
	b = append(b, derAlgSHA256...)
	b = appendTLV(b, tagContext0, attrsBody)
	b = append(b, derAlgECDSA...)
	b = appendTLV(b, tagOctetString, sig)
	b = appendHeader(b, tagContext1, tlvSize(tsAttr))
	b = appendHeader(b, tagSequence, tsAttr)
	b = appendOID(b, oidTimeStampToken)
	b = appendTLV(b, tagSet, token)
	if len(b) != cap(b) {
		return nil, fmt.Errorf("evidence: sign: encoding: wrote %d bytes, planned %d", len(b), cap(b))
	}
	return b, nil
}

// setContents strips the tag and length of a DER element made by derSet.
func setContents(set []byte) []byte {
	s := cryptobyte.String(set)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SET) {
		panic("evidence: setContents: not a SET") // derSet always makes one
	}
	return inner
}
