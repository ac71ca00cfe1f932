package evidence

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// tokenImprintTime reads what Sign needs from a time-stamp token without
// verifying it (Verify does that): it must be one DER ContentInfo holding
// SignedData with a TSTInfo whose message imprint is SHA-256 over want. It
// returns the TSTInfo's genTime.
func tokenImprintTime(token, want []byte) (time.Time, error) {
	tst, err := tstInfoOf(token)
	if err != nil {
		return time.Time{}, err
	}
	alg, imprint, genTime, err := readTSTInfo(tst)
	if err != nil {
		return time.Time{}, err
	}
	if alg != oidSHA256 {
		return time.Time{}, errors.New("the message imprint is not SHA-256")
	}
	if !bytes.Equal(imprint, want) {
		return time.Time{}, fmt.Errorf("the message imprint is %x, not the SHA-256 of the signature %x", imprint, want)
	}
	return genTime, nil
}

// tstInfoOf returns the DER TSTInfo inside a TimeStampToken (RFC 3161 §2.4.2),
// after checking the parts of the token its signature does not cover:
// ContentInfo { id-signedData, [0] SignedData { version 3, digestAlgorithms
// holding exactly the SignerInfo's, EncapsulatedContentInfo { id-ct-TSTInfo,
// [0] OCTET STRING }, certificates, no CRLs, one SignerInfo without unsigned
// attributes } }, all DER, with the TSA's certificate. The rest is the
// signature's to protect.
func tstInfoOf(token []byte) ([]byte, error) {
	s := cryptobyte.String(token)
	var ci, sd, algs, encap, eContent, oid, infos, info cryptobyte.String
	var tst []byte
	var version int64
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() {
		return nil, errors.New("not one DER ContentInfo")
	}
	if !ci.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidSignedData {
		return nil, errors.New("not SignedData")
	}
	if !ci.ReadASN1(&sd, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() || !sd.ReadASN1(&sd, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed SignedData")
	}
	// RFC 5652 §5.1: version 3, as eContentType is not id-data.
	if !sd.ReadASN1Integer(&version) || version != 3 || !sd.ReadASN1(&algs, cbasn1.SET) || !sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return nil, errors.New("malformed SignedData")
	}
	if !encap.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidTSTInfo {
		return nil, errors.New("the content is not a TSTInfo")
	}
	if !encap.ReadASN1(&eContent, cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!eContent.ReadASN1Bytes(&tst, cbasn1.OCTET_STRING) || !eContent.Empty() || !encap.Empty() {
		return nil, errors.New("malformed encapsulated TSTInfo")
	}
	if err := skipTokenCerts(&sd); err != nil {
		return nil, err
	}
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() || !infos.ReadASN1(&info, cbasn1.SEQUENCE) || !infos.Empty() {
		return nil, errors.New("not exactly one SignerInfo")
	}
	if err := checkTokenSignerInfo(info, algs); err != nil {
		return nil, err
	}
	return tst, nil
}

// skipTokenCerts reads past the token's certificates. The TSA's certificate
// must be there, or the evidence file cannot be checked offline: the request
// asks for it (certReq, RFC 3161 §2.4.1). Each must be one DER element, as
// pkcs7 would forgive a wrong length; CRLs are refused.
func skipTokenCerts(sd *cryptobyte.String) error {
	var certs cryptobyte.String
	if !sd.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific()) || certs.Empty() {
		return errors.New("the token carries no certificates, so it cannot be checked offline (certReq, RFC 3161 §2.4.1)")
	}
	if sd.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return errors.New("CRLs in the token")
	}
	for !certs.Empty() {
		if !certs.SkipASN1(cbasn1.SEQUENCE) {
			return errors.New("malformed certificates in the token")
		}
	}
	return nil
}

// checkTokenSignerInfo checks a token's SignerInfo (RFC 5652 §5.3) where the
// TSA's signature does not protect it: digestAlgorithms of the SignedData must
// name exactly its digest algorithm; the signed attributes must be DER as
// they are (pkcs7 re-encodes them before checking the signature, which would
// forgive a changed length byte) with content-type id-ct-TSTInfo (§11.1); and
// there must be no unsigned attributes, which nothing would protect. The
// signer is named by issuer and serial number (version 1), the only form
// github.com/digitorus/pkcs7 looks up.
func checkTokenSignerInfo(info, algs cryptobyte.String) error {
	var version int64
	var sid, alg, attrs, oid cryptobyte.String
	if !info.ReadASN1Integer(&version) || version != 1 || !info.ReadASN1(&sid, cbasn1.SEQUENCE) ||
		!sid.SkipASN1(cbasn1.SEQUENCE) || !sid.SkipASN1(cbasn1.INTEGER) || !sid.Empty() ||
		!info.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
		return errors.New("malformed SignerInfo")
	}
	if !bytes.Equal(alg, algs) {
		return errors.New("digestAlgorithms does not name exactly the signer's digest algorithm")
	}
	if !info.ReadASN1(&attrs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return errors.New("the SignerInfo has no signed attributes")
	}
	m, err := readAttrs(attrs)
	if err != nil {
		return fmt.Errorf("signed attributes: %v", err)
	}
	ct := m[oidContentType]
	if !ct.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidTSTInfo || !ct.Empty() {
		return errors.New("the content-type attribute is missing or not id-ct-TSTInfo")
	}
	if !info.SkipASN1(cbasn1.SEQUENCE) || !info.SkipASN1(cbasn1.OCTET_STRING) || !info.Empty() {
		return errors.New("malformed SignerInfo, or unsigned attributes in the token")
	}
	return nil
}

// readTSTInfo reads the start of a TSTInfo (RFC 3161 §2.4.2): version,
// policy, messageImprint, serialNumber, genTime. It returns the imprint's
// hash algorithm OID (content octets), the imprint and genTime.
func readTSTInfo(der []byte) (alg string, imprint []byte, genTime time.Time, err error) {
	s := cryptobyte.String(der)
	var info, mi, algID, oid, gt cryptobyte.String
	var version int64
	fail := func(what string) (string, []byte, time.Time, error) {
		return "", nil, time.Time{}, errors.New("malformed TSTInfo: " + what)
	}
	if !s.ReadASN1(&info, cbasn1.SEQUENCE) || !s.Empty() {
		return fail("not one SEQUENCE")
	}
	if !info.ReadASN1Integer(&version) || version != 1 {
		return fail("version")
	}
	if !info.SkipASN1(cbasn1.OBJECT_IDENTIFIER) {
		return fail("policy")
	}
	if !info.ReadASN1(&mi, cbasn1.SEQUENCE) || !mi.ReadASN1(&algID, cbasn1.SEQUENCE) ||
		!algID.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !mi.ReadASN1Bytes(&imprint, cbasn1.OCTET_STRING) || !mi.Empty() {
		return fail("messageImprint")
	}
	// Parameters of the hash algorithm: absent or NULL (RFC 5754 §2).
	if !algID.Empty() && (!algID.SkipASN1(cbasn1.NULL) || !algID.Empty()) {
		return fail("messageImprint hash algorithm parameters")
	}
	if !info.SkipASN1(cbasn1.INTEGER) {
		return fail("serialNumber")
	}
	if !info.ReadASN1(&gt, cbasn1.GeneralizedTime) {
		return fail("genTime")
	}
	if genTime, err = parseGeneralizedTime(string(gt)); err != nil {
		return fail("genTime: " + err.Error())
	}
	return string(oid), imprint, genTime, nil
}

// parseGeneralizedTime reads the DER GeneralizedTime of RFC 3161 §2.4.2:
// YYYYMMDDhhmmss[.s…]Z, UTC, without trailing zeros in the fraction.
func parseGeneralizedTime(s string) (time.Time, error) {
	const layout = "20060102150405.999999999Z"
	t, err := time.Parse(layout, s)
	if err != nil || t.Format(layout) != s {
		return time.Time{}, fmt.Errorf("%q is not a DER GeneralizedTime", s)
	}
	return t, nil
}
