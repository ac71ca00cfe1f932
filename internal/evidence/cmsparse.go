package evidence

import (
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// signedFile is an evidence file taken apart; nothing in it is verified yet.
type signedFile struct {
	content     []byte
	certs       []*x509.Certificate
	sidIssuer   []byte // raw Name
	sidSerial   *big.Int
	signedAttrs []byte // DER SET OF Attribute, as signed
	sig         []byte
	token       []byte // DER TimeStampToken

	messageDigest []byte
	signingTime   time.Time
	essHash       []byte   // SHA-256 of the signer certificate, from signing-certificate-v2
	essIssuer     []byte   // optional issuerSerial: raw issuer Name
	essSerial     *big.Int // and serial number; nil when absent
}

// parseSignedFile reads the CMS structure Sign writes (RFC 5652 §3, §5) and
// nothing else: DER only (cryptobyte refuses other length forms and
// non-minimal integers), one SignerInfo, SHA-256 and ECDSA, the four signed
// attributes and the one unsigned attribute each exactly once, no CRLs, no
// trailing bytes. Every failure is CheckCMS.
func parseSignedFile(der []byte) (*signedFile, error) {
	s := cryptobyte.String(der)
	var ci, wrap, sd, oid cryptobyte.String
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, failf(CheckCMS, "not one DER ContentInfo (truncated, trailing data, or not DER)")
	}
	if !ci.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidSignedData {
		return nil, failf(CheckCMS, "the content type is not SignedData")
	}
	if !ci.ReadASN1(&wrap, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!wrap.ReadASN1(&sd, cbasn1.SEQUENCE) || !wrap.Empty() {
		return nil, failf(CheckCMS, "malformed ContentInfo")
	}
	f := &signedFile{}
	if err := f.readSignedData(sd); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *signedFile) readSignedData(sd cryptobyte.String) error {
	var version int64
	var algs, encap, certs, infos, info cryptobyte.String
	if !sd.ReadASN1Integer(&version) || version != 1 {
		return failf(CheckCMS, "SignedData version is not 1")
	}
	if !sd.ReadASN1(&algs, cbasn1.SET) || !readAlgorithm(&algs, oidSHA256, true) || !algs.Empty() {
		return failf(CheckCMS, "digestAlgorithms is not {SHA-256}")
	}
	if !sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return failf(CheckCMS, "malformed encapContentInfo")
	}
	if err := f.readContent(encap); err != nil {
		return err
	}
	if !sd.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return failf(CheckCMS, "no certificates: the signer certificate must be in the file")
	}
	if err := f.readCertificates(certs); err != nil {
		return err
	}
	if sd.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return failf(CheckCMS, "CRLs are not part of an evidence file")
	}
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return failf(CheckCMS, "malformed signerInfos")
	}
	if !infos.ReadASN1(&info, cbasn1.SEQUENCE) || !infos.Empty() {
		return failf(CheckCMS, "not exactly one SignerInfo")
	}
	return f.readSignerInfo(info)
}

func (f *signedFile) readContent(encap cryptobyte.String) error {
	var oid, wrap cryptobyte.String
	if !encap.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidData {
		return failf(CheckCMS, "the encapsulated content type is not id-data")
	}
	if !encap.ReadASN1(&wrap, cbasn1.Tag(0).Constructed().ContextSpecific()) || !encap.Empty() ||
		!wrap.ReadASN1Bytes(&f.content, cbasn1.OCTET_STRING) || !wrap.Empty() {
		return failf(CheckCMS, "no attached content: the evidence document must be in the file")
	}
	if len(f.content) > MaxDocument {
		return failf(CheckCMS, "the content has %d bytes, an evidence document at most %d", len(f.content), MaxDocument)
	}
	return nil
}

func (f *signedFile) readCertificates(certs cryptobyte.String) error {
	const maxCerts = 8
	for !certs.Empty() {
		var c cryptobyte.String
		if !certs.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return failf(CheckCMS, "certificates holds something other than X.509 certificates")
		}
		if len(f.certs) == maxCerts {
			return failf(CheckCMS, "more than %d certificates", maxCerts)
		}
		cert, err := x509.ParseCertificate(c)
		if err != nil {
			return failf(CheckCMS, "certificate %d: %v", len(f.certs), err)
		}
		f.certs = append(f.certs, cert)
	}
	return nil
}

func (f *signedFile) readSignerInfo(info cryptobyte.String) error {
	var version int64
	var sid, attrs, unsigned cryptobyte.String
	f.sidSerial = new(big.Int)
	if !info.ReadASN1Integer(&version) || version != 1 {
		return failf(CheckCMS, "SignerInfo version is not 1 (issuer and serial number)")
	}
	if !info.ReadASN1(&sid, cbasn1.SEQUENCE) || !sid.ReadASN1Element((*cryptobyte.String)(&f.sidIssuer), cbasn1.SEQUENCE) ||
		!sid.ReadASN1Integer(f.sidSerial) || !sid.Empty() {
		return failf(CheckCMS, "malformed signer identifier")
	}
	if !readAlgorithm(&info, oidSHA256, true) {
		return failf(CheckCMS, "the digest algorithm is not SHA-256")
	}
	if !info.ReadASN1(&attrs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return failf(CheckCMS, "no signed attributes")
	}
	// The signature covers the same contents under the SET tag (RFC 5652 §5.4).
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddBytes(attrs) })
	f.signedAttrs = b.BytesOrPanic()
	if err := f.readSignedAttrs(attrs); err != nil {
		return err
	}
	if !readAlgorithm(&info, oidECDSAWithSHA256, false) {
		return failf(CheckCMS, "the signature algorithm is not ECDSA with SHA-256")
	}
	if !info.ReadASN1Bytes(&f.sig, cbasn1.OCTET_STRING) {
		return failf(CheckCMS, "malformed signature value")
	}
	if !info.ReadASN1(&unsigned, cbasn1.Tag(1).Constructed().ContextSpecific()) || !info.Empty() {
		return failf(CheckCMS, "no unsigned attributes: the signature time-stamp is missing")
	}
	return f.readUnsignedAttrs(unsigned)
}

// readAttrs splits the contents of a SET OF Attribute into OID → the one
// value, refusing a repeated type and a type with other than one value
// (RFC 5652 §11: each attribute Siegel reads is single-valued).
func readAttrs(attrs cryptobyte.String) (map[string]cryptobyte.String, error) {
	m := make(map[string]cryptobyte.String, 4)
	for !attrs.Empty() {
		var attr, oid, values, value cryptobyte.String
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return nil, errors.New("malformed attribute")
		}
		if !values.ReadASN1Element(&value, peekTag(values)) || !values.Empty() {
			return nil, fmt.Errorf("attribute %x has not exactly one value", []byte(oid))
		}
		if _, dup := m[string(oid)]; dup {
			return nil, fmt.Errorf("attribute %x appears twice", []byte(oid))
		}
		m[string(oid)] = value
	}
	return m, nil
}

func peekTag(s cryptobyte.String) cbasn1.Tag {
	if len(s) == 0 {
		return 0
	}
	return cbasn1.Tag(s[0])
}

func (f *signedFile) readSignedAttrs(attrs cryptobyte.String) error {
	m, err := readAttrs(attrs)
	if err != nil {
		return failf(CheckCMS, "signed attributes: %v", err)
	}
	if len(m) != 4 {
		return failf(CheckCMS, "%d signed attributes, want content-type, message-digest, signing-time and signing-certificate-v2", len(m))
	}
	var oid cryptobyte.String
	ct := m[oidContentType]
	// RFC 5652 §11.1: content-type must equal eContentType.
	if !ct.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidData || !ct.Empty() {
		return failf(CheckCMS, "the content-type attribute is missing or not id-data")
	}
	md := m[oidMessageDigest]
	if !md.ReadASN1Bytes(&f.messageDigest, cbasn1.OCTET_STRING) || len(f.messageDigest) != sha256.Size || !md.Empty() {
		return failf(CheckCMS, "the message-digest attribute is missing or not a SHA-256 digest")
	}
	st, ok := m[oidSigningTime]
	if !ok || !readSigningTime(st, &f.signingTime) {
		return failf(CheckCMS, "the signing-time attribute is missing or malformed")
	}
	ess, ok := m[oidSigningCertificateV2]
	if !ok {
		return failf(CheckCMS, "the signing-certificate-v2 attribute is missing")
	}
	return f.readESS(ess)
}

// readSigningTime accepts the DER forms of RFC 5652 §11.3: UTCTime
// YYMMDDhhmmssZ for 1950–2049, GeneralizedTime YYYYMMDDhhmmssZ otherwise.
func readSigningTime(s cryptobyte.String, t *time.Time) bool {
	switch {
	case s.PeekASN1Tag(cbasn1.UTCTime):
		if len(s) != 15 || !s.ReadASN1UTCTime(t) {
			return false
		}
	case s.PeekASN1Tag(cbasn1.GeneralizedTime):
		if len(s) != 17 || !s.ReadASN1GeneralizedTime(t) || (t.Year() >= 1950 && t.Year() < 2050) {
			return false
		}
	default:
		return false
	}
	return s.Empty()
}

// readESS reads SigningCertificateV2 (RFC 5035 §3): the first ESSCertIDv2
// names the signer certificate; its hash must be SHA-256, the default.
func (f *signedFile) readESS(v cryptobyte.String) error {
	var scv2, certIDs, id cryptobyte.String
	if !v.ReadASN1(&scv2, cbasn1.SEQUENCE) || !v.Empty() || !scv2.ReadASN1(&certIDs, cbasn1.SEQUENCE) ||
		!certIDs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return failf(CheckCMS, "malformed signing-certificate-v2")
	}
	if id.PeekASN1Tag(cbasn1.SEQUENCE) && !readAlgorithm(&id, oidSHA256, true) {
		return failf(CheckCMS, "signing-certificate-v2 uses a hash other than SHA-256")
	}
	if !id.ReadASN1Bytes(&f.essHash, cbasn1.OCTET_STRING) {
		return failf(CheckCMS, "malformed signing-certificate-v2 certHash")
	}
	if !id.Empty() {
		// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }, the
		// issuer as one directoryName [4].
		var is, names, dn cryptobyte.String
		f.essSerial = new(big.Int)
		if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !id.Empty() || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
			!names.ReadASN1(&dn, cbasn1.Tag(4).Constructed().ContextSpecific()) || !names.Empty() ||
			!dn.ReadASN1Element((*cryptobyte.String)(&f.essIssuer), cbasn1.SEQUENCE) || !dn.Empty() ||
			!is.ReadASN1Integer(f.essSerial) || !is.Empty() {
			return failf(CheckCMS, "malformed signing-certificate-v2 issuerSerial")
		}
	}
	return nil
}

func (f *signedFile) readUnsignedAttrs(attrs cryptobyte.String) error {
	m, err := readAttrs(attrs)
	if err != nil {
		return failf(CheckCMS, "unsigned attributes: %v", err)
	}
	tok, ok := m[oidTimeStampToken]
	if !ok {
		return failf(CheckTimestamp, "no signature-time-stamp attribute")
	}
	if len(m) != 1 {
		return failf(CheckCMS, "unsigned attributes other than the signature-time-stamp")
	}
	if !tok.PeekASN1Tag(cbasn1.SEQUENCE) {
		return failf(CheckTimestamp, "the signature-time-stamp is not a ContentInfo")
	}
	f.token = tok
	return nil
}

// readAlgorithm reads an AlgorithmIdentifier that must be oid, with absent
// parameters, or NULL ones when nullOK (RFC 5754 §2 lets SHA-2 carry NULL).
func readAlgorithm(s *cryptobyte.String, oid string, nullOK bool) bool {
	var alg, o cryptobyte.String
	if !s.ReadASN1(&alg, cbasn1.SEQUENCE) || !alg.ReadASN1(&o, cbasn1.OBJECT_IDENTIFIER) || string(o) != oid {
		return false
	}
	if alg.Empty() {
		return true
	}
	return nullOK && alg.SkipASN1(cbasn1.NULL) && alg.Empty()
}
