package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// maxCertificates bounds the certificates Parse reads: a signer, its chain
// and a spare; more is not what Siegel or a TSA sends.
const maxCertificates = 8

// SignedData is a parsed SignedData (RFC 5652 §5) with its one SignerInfo.
// Parse checked its structure; nothing in it is verified until Verify.
type SignedData struct {
	Version     int                   // 1 or 3, as §5.1 requires for the content and the signer identifier
	ContentType asn1.ObjectIdentifier // eContentType
	Content     []byte                // the attached content; nil when Detached, until Attach

	// Detached reports that encapContentInfo has no eContent (RFC 5652
	// §5.2): the content travels beside the SignedData, as the first part
	// of S/MIME multipart/signed (RFC 8551 §3.5.3), and the verifier gives
	// it with Attach before Verify.
	Detached bool

	// Certificates are the certificates included, DER, in their order. They
	// are parsed by Verify and ParseCertificates only: a signer that merely
	// needs a token's imprint should not pay for X.509 parsing.
	Certificates [][]byte

	DigestAlgorithm    crypto.Hash
	SignatureAlgorithm x509.SignatureAlgorithm
	SignedAttrs        Attributes
	MessageDigest      []byte    // the message-digest attribute
	SigningTime        time.Time // the signing-time attribute; zero without one
	Signature          []byte
	UnsignedAttrs      Attributes // none: Len 0

	contentType    []byte   // eContentType, content octets
	sid            signerID // which certificate signed
	signedAttrsDER []byte   // the SignerInfo's [0] IMPLICIT element, as read
	attached       bool     // Attach gave the detached content
}

// signerID is a SignerInfo's sid (RFC 5652 §5.3): issuer and serial number
// (version 1) or subject key identifier (version 3).
type signerID struct {
	issuer []byte // raw Name
	serial []byte // content octets of the INTEGER
	ski    []byte
}

// essCertID is the first ESSCertID(v2) of a signing-certificate(-v2)
// attribute: the one that names the signer's certificate (RFC 5035 §5.4.1).
type essCertID struct {
	hash     crypto.Hash
	certHash []byte
	issuer   []byte // raw Name of issuerSerial's one directoryName; nil without issuerSerial
	serial   []byte // content octets of its INTEGER; nil without issuerSerial
}

// Attributes are the attributes of a SignerInfo, as read: each type once,
// each with one value.
type Attributes struct {
	raw  []byte      // the contents of the SET OF Attribute
	list []attribute // where each attribute's parts are in raw
}

// attribute locates an attribute's type (content octets) and its one value
// (a DER element) in Attributes.raw by offsets, not slices: a list without
// pointers is one the collector need not scan and writing it costs no write
// barriers, and a signer reads one per time-stamp token.
type attribute struct{ oid, oidEnd, value, valueEnd uint32 }

func (a Attributes) oid(i int) []byte   { return a.raw[a.list[i].oid:a.list[i].oidEnd] }
func (a Attributes) value(i int) []byte { return a.raw[a.list[i].value:a.list[i].valueEnd] }

// Len is the number of attributes.
func (a Attributes) Len() int { return len(a.list) }

// Get returns the value of the attribute of type oid (one DER element), and
// whether there is one.
func (a Attributes) Get(oid asn1.ObjectIdentifier) ([]byte, bool) {
	c, err := oidContents(oid)
	if err != nil {
		return nil, false
	}
	return a.get(c)
}

func (a Attributes) get(oid string) ([]byte, bool) {
	for i := range a.list {
		if string(a.oid(i)) == oid {
			return a.value(i), true
		}
	}
	return nil, false
}

// Parse reads a DER ContentInfo holding SignedData in the shape the package
// comment describes, and nothing else. Every error wraps ErrFormat.
func Parse(der []byte) (*SignedData, error) {
	d := new(SignedData)
	if err := d.parse(der); err != nil {
		return nil, err
	}
	return d, nil
}

func (d *SignedData) parse(der []byte) error {
	s := cryptobyte.String(der)
	var ci, wrapped, sd, oid cryptobyte.String
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !s.Empty() {
		return formatf("not one DER ContentInfo (truncated, trailing data, or not DER)")
	}
	if !ci.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || string(oid) != oidSignedData {
		return formatf("the content type is not SignedData")
	}
	if !ci.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) || !ci.Empty() ||
		!wrapped.ReadASN1(&sd, cbasn1.SEQUENCE) || !wrapped.Empty() {
		return formatf("malformed ContentInfo")
	}
	return d.readSignedData(sd)
}

func (d *SignedData) readSignedData(sd cryptobyte.String) error {
	var version int64
	var algs, digestAlg, encap, infos, info cryptobyte.String
	if !sd.ReadASN1Integer(&version) || (version != 1 && version != 3) {
		return formatf("SignedData version is neither 1 nor 3")
	}
	if !sd.ReadASN1(&algs, cbasn1.SET) || !algs.ReadASN1Element(&digestAlg, cbasn1.SEQUENCE) || !algs.Empty() {
		return formatf("digestAlgorithms does not name exactly one algorithm")
	}
	if !sd.ReadASN1(&encap, cbasn1.SEQUENCE) {
		return formatf("malformed encapContentInfo")
	}
	if err := d.readContent(encap); err != nil {
		return err
	}
	if sd.PeekASN1Tag(cbasn1.Tag(0).Constructed().ContextSpecific()) {
		var certs cryptobyte.String
		sd.ReadASN1(&certs, cbasn1.Tag(0).Constructed().ContextSpecific())
		if err := d.readCertificates(certs); err != nil {
			return err
		}
	}
	if sd.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		return formatf("CRLs are not part of this profile")
	}
	if !sd.ReadASN1(&infos, cbasn1.SET) || !sd.Empty() {
		return formatf("malformed signerInfos")
	}
	// RFC 3161 §2.4.2 allows only the TSA's signature; our documents have
	// one signer. A second signature would be one nobody checked.
	if !infos.ReadASN1(&info, cbasn1.SEQUENCE) || !infos.Empty() {
		return formatf("not exactly one SignerInfo")
	}
	if err := d.readSignerInfo(info, digestAlg); err != nil {
		return err
	}
	want := 1
	if string(d.contentType) != oidData || d.sid.ski != nil {
		want = 3
	}
	if int(version) != want {
		return formatf("SignedData version %d, where RFC 5652 §5.1 makes it %d", version, want)
	}
	d.Version = want
	return nil
}

func (d *SignedData) readContent(encap cryptobyte.String) error {
	var oid, wrapped cryptobyte.String
	if !encap.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !validOID(oid) {
		return formatf("malformed eContentType")
	}
	var ok bool
	if d.ContentType, ok = parseOID(oid); !ok {
		return formatf("unsupported eContentType %x", []byte(oid))
	}
	d.contentType = oid
	// RFC 5652 §5.2: eContent is OPTIONAL; without it the content is
	// detached (S/MIME multipart/signed, RFC 8551 §3.5.3).
	if encap.Empty() {
		d.Detached = true
		return nil
	}
	if !encap.ReadASN1(&wrapped, cbasn1.Tag(0).Constructed().ContextSpecific()) || !encap.Empty() ||
		!wrapped.ReadASN1Bytes(&d.Content, cbasn1.OCTET_STRING) || !wrapped.Empty() {
		return formatf("eContent is not one DER OCTET STRING")
	}
	return nil
}

// Attach gives a detached SignedData its content, the bytes the signer
// signed (for S/MIME, the first part of multipart/signed in canonical form,
// RFC 8551 §3.1.1), so that Verify checks the message digest over them. It
// refuses a SignedData that carries its content: what a file holds is what
// was signed, and a caller that means to replace it has a bug.
func (d *SignedData) Attach(content []byte) error {
	if !d.Detached {
		return errors.New("cms: attach: the SignedData carries its content; only a detached one takes content")
	}
	d.Content, d.attached = content, true
	return nil
}

func (d *SignedData) readCertificates(certs cryptobyte.String) error {
	d.Certificates = make([][]byte, 0, 3) // a signer, an intermediate, a spare
	for !certs.Empty() {
		var c cryptobyte.String
		// CertificateChoices: only the plain certificate, a SEQUENCE.
		if !certs.ReadASN1Element(&c, cbasn1.SEQUENCE) {
			return formatf("certificates holds something other than X.509 certificates")
		}
		if len(d.Certificates) == maxCertificates {
			return formatf("more than %d certificates", maxCertificates)
		}
		d.Certificates = append(d.Certificates, c)
	}
	return nil
}

// readSignerInfo reads the one SignerInfo, whose digest algorithm must be
// digestAlgs, the one of the SignedData.
func (d *SignedData) readSignerInfo(info, digestAlgs cryptobyte.String) error {
	var version int64
	var digestAlg, attrs, sigAlg cryptobyte.String
	if !info.ReadASN1Integer(&version) {
		return formatf("malformed SignerInfo version")
	}
	if err := d.readSignerID(&info, version); err != nil {
		return err
	}
	if !info.ReadASN1Element(&digestAlg, cbasn1.SEQUENCE) || !bytes.Equal(digestAlg, digestAlgs) {
		return formatf("digestAlgorithms does not name exactly the signer's digest algorithm")
	}
	var ok bool
	if d.DigestAlgorithm, ok = digestHash(digestAlg); !ok {
		return formatf("unsupported digest algorithm")
	}
	// RFC 5652 §5.3: signed attributes are required for any content but
	// id-data; this profile requires them always, as they carry the
	// content type and digest the signature binds.
	if !info.ReadASN1Element(&attrs, cbasn1.Tag(0).Constructed().ContextSpecific()) {
		return formatf("no signed attributes")
	}
	d.signedAttrsDER = attrs
	if err := d.readSignedAttrs(attrs); err != nil {
		return err
	}
	if !info.ReadASN1Element(&sigAlg, cbasn1.SEQUENCE) {
		return formatf("malformed signature algorithm")
	}
	if d.SignatureAlgorithm, ok = signatureAlgorithm(sigAlg, d.DigestAlgorithm); !ok {
		return formatf("unsupported signature algorithm, or one that does not match the digest algorithm")
	}
	if !info.ReadASN1Bytes(&d.Signature, cbasn1.OCTET_STRING) {
		return formatf("malformed signature value")
	}
	if info.PeekASN1Tag(cbasn1.Tag(1).Constructed().ContextSpecific()) {
		var unsigned cryptobyte.String
		info.ReadASN1(&unsigned, cbasn1.Tag(1).Constructed().ContextSpecific())
		var err error
		if d.UnsignedAttrs, err = readAttrs(unsigned); err != nil {
			return formatf("unsigned attributes: %v", err)
		}
	}
	if !info.Empty() {
		return formatf("data after the SignerInfo's last field")
	}
	return nil
}

// readSignerID reads the sid that the SignerInfo's version announces.
func (d *SignedData) readSignerID(info *cryptobyte.String, version int64) error {
	switch version {
	case 1:
		var sid, issuer cryptobyte.String
		if !info.ReadASN1(&sid, cbasn1.SEQUENCE) || !sid.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
			!readInteger(&sid, &d.sid.serial) || !sid.Empty() {
			return formatf("malformed issuer and serial number")
		}
		d.sid.issuer = issuer
	case 3:
		var ski cryptobyte.String
		if !info.ReadASN1(&ski, cbasn1.Tag(0).ContextSpecific()) || len(ski) == 0 {
			return formatf("malformed subject key identifier")
		}
		d.sid.ski = ski
	default:
		return formatf("SignerInfo version %d", version)
	}
	return nil
}

// readAttrs reads the contents of a SET OF Attribute (RFC 5652 §5.3: SIZE
// 1..MAX), refusing a type twice and a type with other than one value.
func readAttrs(attrs cryptobyte.String) (Attributes, error) {
	if attrs.Empty() {
		return Attributes{}, errors.New("an empty set")
	}
	a := Attributes{raw: attrs, list: make([]attribute, 0, 4)} // what Siegel signs: content-type, message-digest, signing-time, signing-certificate-v2
	// Every slice read below shares raw's array and its end, so its offset
	// in raw is the difference of the capacities.
	at := func(b []byte) uint32 { return uint32(cap(a.raw) - cap(b)) }
	for !attrs.Empty() {
		var attr, oid, values, value cryptobyte.String
		var tag cbasn1.Tag
		if !attrs.ReadASN1(&attr, cbasn1.SEQUENCE) || !attr.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !validOID(oid) ||
			!attr.ReadASN1(&values, cbasn1.SET) || !attr.Empty() {
			return Attributes{}, errors.New("malformed attribute")
		}
		if !values.ReadAnyASN1Element(&value, &tag) || !values.Empty() {
			return Attributes{}, fmt.Errorf("attribute %s has not exactly one value", oidName(oid))
		}
		if !wellFormed(value, 0) {
			return Attributes{}, fmt.Errorf("attribute %s is not DER throughout", oidName(oid))
		}
		if _, dup := a.get(string(oid)); dup {
			return Attributes{}, fmt.Errorf("attribute %s occurs twice", oidName(oid))
		}
		a.list = append(a.list, attribute{oid: at(oid), oidEnd: at(oid) + uint32(len(oid)),
			value: at(value), valueEnd: at(value) + uint32(len(value))})
	}
	return a, nil
}

// maxDepth bounds the nesting wellFormed follows: a time-stamp token with its
// certificates nests about a dozen levels.
const maxDepth = 48

// wellFormed reports whether elem, and every constructed element inside it,
// is DER-encoded (definite, minimal lengths, nothing left over). Attribute
// values are otherwise opaque here (an unsigned time-stamp token is checked
// whole only when verified): a file that is DER at the top and BER deep
// inside is not DER, and other readers would see it differently.
func wellFormed(elem cryptobyte.String, depth int) bool {
	if depth > maxDepth {
		return false
	}
	var contents cryptobyte.String
	var tag cbasn1.Tag
	if !elem.ReadAnyASN1(&contents, &tag) || !elem.Empty() {
		return false
	}
	if tag&0x20 == 0 { // primitive
		return true
	}
	for !contents.Empty() {
		var inner cryptobyte.String
		var t cbasn1.Tag
		if !contents.ReadAnyASN1Element(&inner, &t) || !wellFormed(inner, depth+1) {
			return false
		}
	}
	return true
}

// readSignedAttrs reads the signed attributes and checks the values of those
// this package knows: content-type and message-digest, which must be there,
// and signing-time and signing-certificate(-v2), which may. Verify reads the
// content type and the signing-certificate again: a signer that only parses
// does not need them kept.
func (d *SignedData) readSignedAttrs(elem cryptobyte.String) error {
	var contents cryptobyte.String
	elem.ReadASN1(&contents, cbasn1.Tag(0).Constructed().ContextSpecific())
	var err error
	if d.SignedAttrs, err = readAttrs(contents); err != nil {
		return formatf("signed attributes: %v", err)
	}
	if _, ok := d.signedContentType(); !ok {
		return formatf("the content-type attribute is missing or not an OBJECT IDENTIFIER (RFC 5652 §11.1)")
	}
	v, ok := d.SignedAttrs.get(oidMessageDigest)
	md := cryptobyte.String(v)
	if !ok || !md.ReadASN1Bytes(&d.MessageDigest, cbasn1.OCTET_STRING) || !md.Empty() ||
		len(d.MessageDigest) != d.DigestAlgorithm.Size() {
		return formatf("the message-digest attribute is missing or not a digest of the digest algorithm (RFC 5652 §11.2)")
	}
	if st, ok := d.SignedAttrs.get(oidSigningTime); ok && !readSigningTime(st, &d.SigningTime) {
		return formatf("the signing-time attribute is not a DER time (RFC 5652 §11.3)")
	}
	var e essCertID
	if v, ok := d.SignedAttrs.get(oidSigningCertificateV2); ok && !readESS(v, true, &e) {
		return formatf("malformed signing-certificate-v2 attribute (RFC 5035 §3)")
	}
	if v, ok := d.SignedAttrs.get(oidSigningCertificate); ok && !readESS(v, false, &e) {
		return formatf("malformed signing-certificate attribute (RFC 2634 §5.4)")
	}
	return nil
}

// signedContentType is the content-type attribute's OID, content octets.
func (d *SignedData) signedContentType() ([]byte, bool) {
	v, ok := d.SignedAttrs.get(oidContentType)
	ct := cryptobyte.String(v)
	var oid cryptobyte.String
	if !ok || !ct.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) || !ct.Empty() || !validOID(oid) {
		return nil, false
	}
	return oid, true
}

// readSigningTime accepts the DER forms of RFC 5652 §11.3: UTCTime
// YYMMDDhhmmssZ for 1950–2049, GeneralizedTime YYYYMMDDhhmmssZ otherwise.
func readSigningTime(s cryptobyte.String, t *time.Time) bool {
	var v cryptobyte.String
	var tag cbasn1.Tag
	if !s.ReadAnyASN1(&v, &tag) || !s.Empty() {
		return false
	}
	switch tag {
	case cbasn1.UTCTime:
		return readUTCTime(v, t)
	case cbasn1.GeneralizedTime:
		return readGeneralizedTime(v, false, t) && (t.Year() < 1950 || t.Year() >= 2050)
	}
	return false
}

// readESS reads SigningCertificateV2 (RFC 5035 §3) or SigningCertificate
// (RFC 2634 §5.4, SHA-1 by definition): SEQUENCE { certs SEQUENCE OF
// ESSCertID(v2), policies OPTIONAL }, and returns the first ESSCertID(v2),
// the signer's, into e; the others name certificates of its chain and are
// not read. false means malformed.
func readESS(v cryptobyte.String, v2 bool, e *essCertID) bool {
	var sc, certs, id cryptobyte.String
	if !v.ReadASN1(&sc, cbasn1.SEQUENCE) || !v.Empty() || !sc.ReadASN1(&certs, cbasn1.SEQUENCE) ||
		!certs.ReadASN1(&id, cbasn1.SEQUENCE) {
		return false
	}
	for !certs.Empty() {
		if !certs.SkipASN1(cbasn1.SEQUENCE) {
			return false
		}
	}
	if !sc.Empty() && (!sc.SkipASN1(cbasn1.SEQUENCE) || !sc.Empty()) {
		return false
	}
	e.hash = crypto.SHA1
	if v2 {
		e.hash = crypto.SHA256 // DEFAULT {algorithm id-sha256}
		var alg cryptobyte.String
		if id.PeekASN1Tag(cbasn1.SEQUENCE) {
			var ok bool
			if !id.ReadASN1Element(&alg, cbasn1.SEQUENCE) {
				return false
			}
			if e.hash, ok = digestHash(alg); !ok {
				return false
			}
		}
	}
	if !id.ReadASN1Bytes(&e.certHash, cbasn1.OCTET_STRING) || len(e.certHash) != e.hash.Size() {
		return false
	}
	if id.Empty() {
		return true
	}
	// IssuerSerial ::= SEQUENCE { issuer GeneralNames, serialNumber }, the
	// issuer as one directoryName [4], which is how every TSA writes it.
	var is, names, dn, issuer cryptobyte.String
	if !id.ReadASN1(&is, cbasn1.SEQUENCE) || !id.Empty() || !is.ReadASN1(&names, cbasn1.SEQUENCE) ||
		!names.ReadASN1(&dn, cbasn1.Tag(4).Constructed().ContextSpecific()) || !names.Empty() ||
		!dn.ReadASN1Element(&issuer, cbasn1.SEQUENCE) || !dn.Empty() ||
		!readInteger(&is, &e.serial) || !is.Empty() {
		return false
	}
	e.issuer = issuer
	return true
}

// readInteger reads a DER INTEGER's content octets: not empty, and no
// leading octet that only repeats the sign (X.690 §8.3.2).
func readInteger(s *cryptobyte.String, out *[]byte) bool {
	var v cryptobyte.String
	if !s.ReadASN1(&v, cbasn1.INTEGER) || len(v) == 0 {
		return false
	}
	if len(v) > 1 && ((v[0] == 0 && v[1]&0x80 == 0) || (v[0] == 0xff && v[1]&0x80 != 0)) {
		return false
	}
	*out = v
	return true
}

// readAlgorithm reads an AlgorithmIdentifier element: its OID (content
// octets) and whether its parameters are absent; false when they are
// neither absent nor NULL.
func readAlgorithm(elem cryptobyte.String) (oid []byte, absent, ok bool) {
	var alg, o, null cryptobyte.String
	if !elem.ReadASN1(&alg, cbasn1.SEQUENCE) || !elem.Empty() || !alg.ReadASN1(&o, cbasn1.OBJECT_IDENTIFIER) {
		return nil, false, false
	}
	if alg.Empty() {
		return o, true, true
	}
	return o, false, alg.ReadASN1(&null, cbasn1.NULL) && null.Empty() && alg.Empty()
}

// digestHash maps a digest AlgorithmIdentifier to its hash: SHA-256, -384 or
// -512, parameters absent or NULL (RFC 5754 §2 lets SHA-2 carry either).
// SHA-1 is refused.
func digestHash(elem cryptobyte.String) (crypto.Hash, bool) {
	oid, _, ok := readAlgorithm(elem)
	if !ok {
		return 0, false
	}
	switch string(oid) {
	case oidSHA256:
		return crypto.SHA256, true
	case oidSHA384:
		return crypto.SHA384, true
	case oidSHA512:
		return crypto.SHA512, true
	}
	return 0, false
}

// signatureAlgorithm maps a SignerInfo's signature algorithm, with its digest
// algorithm h, to x509's: ECDSA (parameters absent, RFC 5758 §3.2) and RSA
// PKCS#1 v1.5 (absent or NULL, RFC 5754 §3.2, RFC 3370 §3.2) with the hash
// h. That covers our own documents and the tokens of common TSAs.
func signatureAlgorithm(elem cryptobyte.String, h crypto.Hash) (x509.SignatureAlgorithm, bool) {
	oid, absent, ok := readAlgorithm(elem)
	if !ok {
		return 0, false
	}
	for _, p := range []struct {
		oid   string
		h     crypto.Hash
		alg   x509.SignatureAlgorithm
		ecdsa bool
	}{
		{oidECDSAWithSHA256, crypto.SHA256, x509.ECDSAWithSHA256, true},
		{oidECDSAWithSHA384, crypto.SHA384, x509.ECDSAWithSHA384, true},
		{oidECDSAWithSHA512, crypto.SHA512, x509.ECDSAWithSHA512, true},
		{oidSHA256WithRSA, crypto.SHA256, x509.SHA256WithRSA, false},
		{oidSHA384WithRSA, crypto.SHA384, x509.SHA384WithRSA, false},
		{oidSHA512WithRSA, crypto.SHA512, x509.SHA512WithRSA, false},
		{oidRSAEncryption, crypto.SHA256, x509.SHA256WithRSA, false},
		{oidRSAEncryption, crypto.SHA384, x509.SHA384WithRSA, false},
		{oidRSAEncryption, crypto.SHA512, x509.SHA512WithRSA, false},
	} {
		if string(oid) == p.oid && h == p.h && (absent || !p.ecdsa) {
			return p.alg, true
		}
	}
	return 0, false
}
