package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute is a CMS attribute (RFC 5652 §5.3) with one value, given as one
// DER element. Siegel writes only single-valued attributes, and the
// attributes it reads are single-valued by definition (§11).
type Attribute struct {
	Type  asn1.ObjectIdentifier
	Value []byte
}

// check returns the content octets of the attribute's type, after checking
// that the value is one DER element.
func (a Attribute) check() (string, error) {
	oid, err := oidContents(a.Type)
	if err != nil {
		return "", err
	}
	v := cryptobyte.String(a.Value)
	var elem cryptobyte.String
	var tag cbasn1.Tag
	if !v.ReadAnyASN1Element(&elem, &tag) || !v.Empty() {
		return "", fmt.Errorf("cms: attribute %s: the value is not one DER element", a.Type.String())
	}
	return oid, nil
}

// attrSize is the size of the Attribute encoding of an attribute with one value.
func attrSize(oid string, value []byte) int {
	return tlvSize(tlvSize(len(oid)) + tlvSize(len(value)))
}

// appendAttribute appends an Attribute whose one value is the DER element value.
func appendAttribute(b []byte, oid string, value []byte) []byte {
	n := tlvSize(len(oid)) + tlvSize(len(value))
	b = appendHeader(b, tagSequence, n)
	b = appendOID(b, oid)
	return appendTLV(b, tagSet, value)
}

// SigningCertificateV2 is the signed attribute that binds a signature to
// cert, so that no other certificate for the same key can be passed off as
// the signer's (RFC 5035 §3): SigningCertificateV2 { certs { ESSCertIDv2 {
// certHash } } }, the hash algorithm left at its default, SHA-256, and
// without the optional issuerSerial, which ETSI EN 319 122-1 §5.2.2.3 advises
// leaving out: the hash alone binds the certificate, and the SignerInfo names
// issuer and serial anyway. RFC 3161 §2.4.1 requires it (or its SHA-1
// predecessor) in a time-stamp token, RFC 5816 §2.2.1 allows this form.
func SigningCertificateV2(cert *x509.Certificate) Attribute {
	h := sha256.Sum256(cert.Raw)
	n := tlvSize(len(h)) // ESSCertIDv2 contents: the certHash OCTET STRING
	v := make([]byte, 0, tlvSize(tlvSize(tlvSize(n))))
	v = appendHeader(v, tagSequence, tlvSize(tlvSize(n))) // SigningCertificateV2
	v = appendHeader(v, tagSequence, tlvSize(n))          // certs
	v = appendHeader(v, tagSequence, n)                   // ESSCertIDv2
	v = appendTLV(v, tagOctetString, h[:])
	return Attribute{Type: OIDSigningCertificateV2(), Value: v}
}

// maxSignerAttrs bounds a signer's own signed attributes, so that Sign can
// sort them with its three on the stack. CAdES needs one.
const maxSignerAttrs = 5

// Signer is a key with its certificate, ready to sign: it holds, encoded once,
// the DER that depends on the certificates only. It is safe for concurrent
// use if the key is.
type Signer struct {
	key   crypto.Signer
	sid   []byte   // IssuerAndSerialNumber (RFC 5652 §10.2.4)
	certs []byte   // the [0] IMPLICIT CertificateSet; nil for none
	attrs [][]byte // the signer's own signed attributes, encoded
}

// NewSigner prepares key, which must be ECDSA P-256 and belong to cert, to
// sign with. include are the certificates to put into every SignedData (the
// signer's own, its chain; none for a time-stamp request without certReq);
// attrs are signed attributes added to every signature, such as
// SigningCertificateV2(cert). They may not be the ones Sign writes itself
// (content-type, message-digest, signing-time), nor the same type twice.
func NewSigner(key crypto.Signer, cert *x509.Certificate, include []*x509.Certificate, attrs ...Attribute) (*Signer, error) {
	if key == nil || cert == nil {
		return nil, errors.New("cms: signer: a key and its certificate are required")
	}
	pub, ok := key.Public().(*ecdsa.PublicKey)
	if !ok || pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("cms: signer: the key is %T, want ECDSA P-256", key.Public())
	}
	if !pub.Equal(cert.PublicKey) {
		return nil, errors.New("cms: signer: the key does not match the certificate")
	}
	serial, err := integerContents(cert.SerialNumber)
	if err != nil {
		return nil, err
	}
	s := &Signer{key: key}
	// RFC 5652 §10.2.4: the issuer name as the certificate spells it, byte
	// for byte, so that a verifier's comparison with RawIssuer holds.
	s.sid = appendHeader(nil, tagSequence, len(cert.RawIssuer)+tlvSize(len(serial)))
	s.sid = appendTLV(append(s.sid, cert.RawIssuer...), tagInteger, serial)
	if len(include) > 0 {
		// §5.1: certificates is a SET OF, which DER sorts by encoding (X.690 §11.6).
		raws := make([][]byte, len(include))
		for i, c := range include {
			raws[i] = c.Raw
		}
		slices.SortFunc(raws, bytes.Compare)
		s.certs = appendTLV(nil, tagContext0, bytes.Join(raws, nil))
	}
	if len(attrs) > maxSignerAttrs {
		return nil, fmt.Errorf("cms: signer: %d signed attributes of its own, at most %d", len(attrs), maxSignerAttrs)
	}
	seen := map[string]bool{oidContentType: true, oidMessageDigest: true, oidSigningTime: true}
	for _, a := range attrs {
		oid, err := a.check()
		if err != nil {
			return nil, err
		}
		if seen[oid] {
			return nil, fmt.Errorf("cms: signer: attribute %s is written by Sign or given twice", a.Type.String())
		}
		seen[oid] = true
		s.attrs = append(s.attrs, appendAttribute(nil, oid, a.Value))
	}
	return s, nil
}

// Signature is one content signed, before the SignedData around it is
// written. It refers to the content given to Sign, which must not change
// until Marshal. A value, not a pointer: one signature less to allocate.
type Signature struct {
	// Value is the signature value, a DER ECDSA-Sig-Value: what a CAdES
	// signature time-stamp covers (SHA-256 of these bytes, RFC 3161
	// Appendix A; ETSI EN 319 122-1 §5.3).
	Value []byte

	s           *Signer
	contentType string // content octets of the eContentType
	content     []byte
	signedAttrs []byte // the DER SET OF Attribute that Value signs
}

// Sign signs content of contentType at now (written as signing-time in
// whole seconds; the wall clock is never read). rand goes to the key's Sign.
func (s *Signer) Sign(rand io.Reader, contentType asn1.ObjectIdentifier, content []byte, now time.Time) (Signature, error) {
	ct, err := oidContents(contentType)
	if err != nil {
		return Signature{}, err
	}
	attrs, err := s.signedAttrs(ct, content, now)
	if err != nil {
		return Signature{}, err
	}
	// RFC 5652 §5.4: the signature is over the DER of the signed attributes
	// as a SET OF, which is how signedAttrs encodes them.
	h := sha256.Sum256(attrs)
	sig, err := s.key.Sign(rand, h[:], crypto.SHA256)
	if err != nil {
		return Signature{}, fmt.Errorf("cms: sign: %w", err)
	}
	if !isECDSASignature(sig) {
		// crypto.Signer promises ASN.1 for ECDSA; PKCS#11 gives r‖s, which
		// no verifier would read.
		return Signature{}, fmt.Errorf("cms: sign: the key returned %d bytes that are not an ASN.1 ECDSA signature (RFC 3279 §2.2.3)", len(sig))
	}
	return Signature{Value: sig, s: s, contentType: ct, content: content, signedAttrs: attrs}, nil
}

// isECDSASignature reports whether sig is a DER Ecdsa-Sig-Value
// (RFC 3279 §2.2.3): SEQUENCE { r INTEGER, s INTEGER }.
func isECDSASignature(sig []byte) bool {
	s := cryptobyte.String(sig)
	var seq cryptobyte.String
	return s.ReadASN1(&seq, cbasn1.SEQUENCE) && s.Empty() &&
		seq.SkipASN1(cbasn1.INTEGER) && seq.SkipASN1(cbasn1.INTEGER) && seq.Empty()
}

// signedAttrs encodes the signed attributes as a DER SET OF Attribute:
// content-type and message-digest (RFC 5652 §11.1, §11.2, required with signed
// attributes), signing-time (§11.3) and the signer's own, sorted as DER
// sorts a SET OF (X.690 §11.6).
func (s *Signer) signedAttrs(ct string, content []byte, now time.Time) ([]byte, error) {
	var tbuf [17]byte
	st, err := appendSigningTime(tbuf[:0], now)
	if err != nil {
		return nil, err
	}
	md := sha256.Sum256(content)
	// The three attributes Sign writes are put together on the stack; the
	// SET is the one allocation.
	var abuf [192]byte
	b := appendHeader(abuf[:0], tagSequence, tlvSize(len(oidContentType))+tlvSize(tlvSize(len(ct))))
	b = appendOID(b, oidContentType)
	b = appendHeader(b, tagSet, tlvSize(len(ct)))
	b = appendOID(b, ct)
	a1 := len(b)
	b = appendHeader(b, tagSequence, tlvSize(len(oidMessageDigest))+tlvSize(tlvSize(len(md))))
	b = appendOID(b, oidMessageDigest)
	b = appendHeader(b, tagSet, tlvSize(len(md)))
	b = appendTLV(b, tagOctetString, md[:])
	a2 := len(b)
	b = appendAttribute(b, oidSigningTime, st)
	var elems [3 + maxSignerAttrs][]byte
	elems[0], elems[1], elems[2] = b[:a1], b[a1:a2], b[a2:]
	copy(elems[3:], s.attrs)
	return derSet(elems[:3+len(s.attrs)]), nil
}

// appendSigningTime appends the signing-time value (RFC 5652 §11.3): UTCTime
// for 1950 to 2049, GeneralizedTime otherwise, in whole seconds, UTC.
func appendSigningTime(b []byte, t time.Time) ([]byte, error) {
	t = t.UTC()
	switch y := t.Year(); {
	case y >= 1950 && y < 2050:
		return appendTime(append(b, tagUTCTime, 13), t, false, false), nil
	case y >= 0 && y <= 9999:
		return appendTime(append(b, tagGenTime, 15), t, true, false), nil
	}
	return nil, fmt.Errorf("cms: signing-time %s cannot be encoded", t.Format(time.RFC3339))
}

// derSet encodes a SET OF from element encodings, sorted as DER requires
// (X.690 §11.6).
func derSet(elems [][]byte) []byte {
	// Insertion sort: a handful of attributes, and unlike slices.SortFunc
	// it lets the caller keep elems and what they point to on the stack.
	for i := 1; i < len(elems); i++ {
		for j := i; j > 0 && bytes.Compare(elems[j-1], elems[j]) > 0; j-- {
			elems[j-1], elems[j] = elems[j], elems[j-1]
		}
	}
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

// pendingAttr is an attribute to be written: its type's content octets and its value.
type pendingAttr struct {
	oid   string
	value []byte
}

// unsignedAttrs checks attrs and returns the attributes (type as content
// octets, value) in the order DER sorts a SET OF (X.690 §11.6), and the
// size of their encodings. The one attribute of CAdES B-T, the time-stamp,
// is a kilobyte or two and is written straight into the SignedData; only
// several need encoding first, to be sorted.
func unsignedAttrs(attrs []Attribute, list []pendingAttr) ([]pendingAttr, int, error) {
	n := 0
	for _, a := range attrs {
		oid, err := a.check()
		if err != nil {
			return nil, 0, err
		}
		for _, b := range list {
			if b.oid == oid {
				return nil, 0, fmt.Errorf("cms: attribute %s given twice", a.Type.String())
			}
		}
		list = append(list, pendingAttr{oid: oid, value: a.Value})
		n += attrSize(oid, a.Value)
	}
	for i := 1; i < len(list); i++ { // few, as in derSet
		for j := i; j > 0 && bytes.Compare(list[j-1].encode(), list[j].encode()) > 0; j-- {
			list[j-1], list[j] = list[j], list[j-1]
		}
	}
	return list, n, nil
}

func (a pendingAttr) encode() []byte { return appendAttribute(nil, a.oid, a.value) }

// Marshal writes the DER ContentInfo holding the SignedData (RFC 5652 §3,
// §5), with the content attached and unsigned attributes (§5.3) if any: for
// CAdES B-T, the signature time-stamp. The version is 1 for id-data and 3
// for any other content (§5.1; the signer is always identified by issuer
// and serial number). The signed attributes are [0] IMPLICIT: the SET's
// contents under another tag.
func (g Signature) Marshal(unsigned ...Attribute) ([]byte, error) {
	return g.marshal(true, unsigned)
}

// MarshalDetached writes the same ContentInfo as Marshal without the
// content: encapContentInfo holds the eContentType alone (RFC 5652 §5.2,
// eContent absent), and the verifier brings the content. It is the
// signature part of S/MIME multipart/signed (RFC 8551 §3.5.3), whose first
// part is the content. The message-digest attribute still covers the
// content given to Sign, and the version is the same as Marshal's (§5.1
// does not depend on where the content is).
func (g Signature) MarshalDetached(unsigned ...Attribute) ([]byte, error) {
	return g.marshal(false, unsigned)
}

// marshal writes the ContentInfo, with the content when attach.
func (g Signature) marshal(attach bool, unsigned []Attribute) ([]byte, error) {
	var uabuf [2]pendingAttr
	ua, uaSize, err := unsignedAttrs(unsigned, uabuf[:0])
	if err != nil {
		return nil, err
	}
	version := derVersion3
	if g.contentType == oidData {
		version = derVersion1
	}
	s := g.s
	attrsBody := setContents(g.signedAttrs)
	si := len(derVersion1) + len(s.sid) + len(derAlgSHA256) + tlvSize(len(attrsBody)) +
		len(derAlgECDSA) + tlvSize(len(g.Value))
	if len(ua) > 0 {
		si += tlvSize(uaSize)
	}
	encap := tlvSize(len(g.contentType))
	if attach {
		encap += tlvSize(tlvSize(len(g.content)))
	}
	sd := len(version) + tlvSize(len(derAlgSHA256)) + tlvSize(encap) + len(s.certs) + tlvSize(tlvSize(si))
	ci := tlvSize(len(oidSignedData)) + tlvSize(tlvSize(sd))

	b := make([]byte, 0, tlvSize(ci))
	b = appendHeader(b, tagSequence, ci) // ContentInfo
	b = appendOID(b, oidSignedData)
	b = appendHeader(b, tagContext0, tlvSize(sd))
	b = appendHeader(b, tagSequence, sd) // SignedData
	b = append(b, version...)
	b = appendHeader(b, tagSet, len(derAlgSHA256)) // digestAlgorithms
	b = append(b, derAlgSHA256...)
	b = appendHeader(b, tagSequence, encap) // EncapsulatedContentInfo
	b = appendOID(b, g.contentType)
	if attach { // eContent [0] EXPLICIT OCTET STRING
		b = appendHeader(b, tagContext0, tlvSize(len(g.content)))
		b = appendTLV(b, tagOctetString, g.content)
	}
	b = append(b, s.certs...)
	b = appendHeader(b, tagSet, tlvSize(si)) // signerInfos
	b = appendHeader(b, tagSequence, si)     // SignerInfo
	b = append(b, derVersion1...)
	b = append(b, s.sid...)
	b = append(b, derAlgSHA256...)
	b = appendTLV(b, tagContext0, attrsBody)
	b = append(b, derAlgECDSA...)
	b = appendTLV(b, tagOctetString, g.Value)
	if len(ua) > 0 {
		b = appendHeader(b, tagContext1, uaSize)
		for _, a := range ua {
			b = appendAttribute(b, a.oid, a.value)
		}
	}
	if len(b) != cap(b) {
		return nil, fmt.Errorf("cms: encoding: wrote %d bytes, planned %d", len(b), cap(b)) // a bug, not an input
	}
	return b, nil
}

// setContents strips the tag and length of a DER element made by derSet.
func setContents(set []byte) []byte {
	s := cryptobyte.String(set)
	var inner cryptobyte.String
	if !s.ReadASN1(&inner, cbasn1.SET) {
		panic("cms: setContents: not a SET") // derSet always makes one
	}
	return inner
}
