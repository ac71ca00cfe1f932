package pki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	_ "crypto/sha512" // SHA-384 and SHA-512 for tokens of other TSAs
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"
)

// The checks a signed document can fail, each an error that verification
// wraps; test them with errors.Is. The message around it says what exactly.
var (
	// ErrFormat: not the expected DER structure (truncated, garbage, BER,
	// trailing bytes, another content type, the signer's certificate missing).
	ErrFormat = errors.New("format")
	// ErrSignature: the signature or the content digest does not verify:
	// the content or the signed attributes were changed.
	ErrSignature = errors.New("signature")
	// ErrChain: the signer's certificate does not chain to the given root at
	// the time that matters, or was used outside its validity.
	ErrChain = errors.New("certificate chain")
	// ErrSignerRole: the certificate chains, but it is not the one allowed to
	// sign this kind of document (key usage, extended key usage).
	ErrSignerRole = errors.New("signer role")
	// ErrContent: the signed content breaks the document's own rules.
	ErrContent = errors.New("content")
	// ErrImprint: a time-stamp token covers another digest than the one given.
	ErrImprint = errors.New("message imprint")
)

// CMS object identifiers (RFC 5652, RFC 5754, RFC 5758, RFC 3161, RFC 5816,
// RFC 2634); read only.
var (
	oidSignedData        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}
	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}
	oidAttrSigningCert   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12}
	oidAttrSigningCertV2 = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47}
	oidTSTInfo           = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4}
	oidSHA256            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512            = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
	oidECDSAWithSHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidRSAEncryption     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	sha256Algorithm      = pkix.AlgorithmIdentifier{Algorithm: oidSHA256}
	ecdsaSHA256Algorithm = pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
)

// ASN.1 shapes of RFC 5652 §5. Fields that are DER written by hand are
// asn1.RawValue with FullBytes; encoding/asn1 copies those verbatim.

type contentInfo struct {
	ContentType asn1.ObjectIdentifier
	Content     asn1.RawValue `asn1:"tag:0"` // [0] EXPLICIT, read as the wrapper
}

type signedDataASN1 struct {
	Version          int
	DigestAlgorithms []pkix.AlgorithmIdentifier `asn1:"set"`
	EncapContentInfo encapContentInfo
	Certificates     asn1.RawValue    `asn1:"optional,tag:0"`
	CRLs             asn1.RawValue    `asn1:"optional,tag:1"`
	SignerInfos      []signerInfoASN1 `asn1:"set"`
}

type encapContentInfo struct {
	EContentType asn1.ObjectIdentifier
	EContent     asn1.RawValue `asn1:"optional,tag:0"` // [0] EXPLICIT OCTET STRING
}

type signerInfoASN1 struct {
	Version            int
	SID                asn1.RawValue // issuerAndSerialNumber, or [0] subjectKeyIdentifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        asn1.RawValue `asn1:"optional,tag:0"`
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      asn1.RawValue `asn1:"optional,tag:1"`
}

type issuerAndSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type attributeASN1 struct {
	Type   asn1.ObjectIdentifier
	Values asn1.RawValue // SET OF AttributeValue
}

// wrap encodes body under a context-specific constructed tag: [tag] EXPLICIT
// around an encoding, or [tag] IMPLICIT around a SET's or SEQUENCE's content.
func wrap(tag int, body []byte) []byte {
	b, err := asn1.Marshal(asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: tag, IsCompound: true, Bytes: body})
	if err != nil {
		panic("pki: wrap: " + err.Error()) // only a length beyond any memory fails
	}
	return b
}

// attribute encodes an attribute with one value, given as DER.
func attribute(oid asn1.ObjectIdentifier, value []byte) ([]byte, error) {
	return asn1.Marshal(attributeASN1{Type: oid, Values: asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: value}})
}

// signCMS wraps content in DER CMS SignedData (RFC 5652 §5) with one signer:
// SHA-256 and ECDSA, signed attributes contentType, signingTime (the injected
// time, never the wall clock), messageDigest and extra, and the signer's
// certificate unless omitCert. The version is 3 because the content type is
// never id-data here (RFC 5652 §5.1).
func signCMS(content []byte, contentType asn1.ObjectIdentifier, cert *x509.Certificate, key crypto.Signer,
	omitCert bool, signingTime time.Time, extra [][]byte, rnd io.Reader) ([]byte, error) {
	if _, ok := key.Public().(*ecdsa.PublicKey); !ok {
		return nil, errors.New("sign: the key is not ECDSA, the one key type of this PKI")
	}
	ct, err := asn1.Marshal(contentType)
	if err != nil {
		return nil, err
	}
	st, err := asn1.Marshal(signingTime.UTC()) // UTCTime until 2049, GeneralizedTime after (RFC 5652 §11.3)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(content)
	md, err := asn1.Marshal(sum[:])
	if err != nil {
		return nil, err
	}
	attrs := slices.Clone(extra)
	for _, a := range []struct {
		oid asn1.ObjectIdentifier
		v   []byte
	}{{oidAttrContentType, ct}, {oidAttrSigningTime, st}, {oidAttrMessageDigest, md}} {
		enc, err := attribute(a.oid, a.v)
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, enc)
	}
	// DER orders a SET OF by the encodings of its elements (X.690 §11.6).
	slices.SortFunc(attrs, bytes.Compare)
	body := bytes.Join(attrs, nil)
	// The signature covers the attributes as a SET (tag 0x31); the SignerInfo
	// carries the same bytes under [0] IMPLICIT (RFC 5652 §5.4).
	set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: body})
	if err != nil {
		return nil, err
	}
	digest := sha256.Sum256(set)
	sig, err := key.Sign(rnd, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	si := signerInfoASN1{
		Version:            1, // issuerAndSerialNumber
		SID:                asn1.RawValue{FullBytes: mustMarshal(issuerAndSerial{Issuer: asn1.RawValue{FullBytes: cert.RawIssuer}, Serial: cert.SerialNumber})},
		DigestAlgorithm:    sha256Algorithm, // RFC 5754 §2: parameters absent
		SignedAttrs:        asn1.RawValue{FullBytes: wrap(0, body)},
		SignatureAlgorithm: ecdsaSHA256Algorithm, // RFC 5758 §3.2: parameters absent
		Signature:          sig,
	}
	econtent, err := asn1.Marshal(content) // OCTET STRING
	if err != nil {
		return nil, err
	}
	sd := signedDataASN1{
		Version:          3,
		DigestAlgorithms: []pkix.AlgorithmIdentifier{sha256Algorithm},
		EncapContentInfo: encapContentInfo{EContentType: contentType, EContent: asn1.RawValue{FullBytes: wrap(0, econtent)}},
		SignerInfos:      []signerInfoASN1{si},
	}
	if !omitCert {
		sd.Certificates = asn1.RawValue{FullBytes: wrap(0, cert.Raw)} // [0] IMPLICIT SET OF Certificate
	}
	inner, err := asn1.Marshal(sd)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(contentInfo{ContentType: oidSignedData, Content: asn1.RawValue{FullBytes: wrap(0, inner)}})
}

func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("pki: marshal: " + err.Error()) // our own fixed shapes; a failure is a bug
	}
	return b
}

// signedMessage is SignedData whose signature verified.
type signedMessage struct {
	contentType asn1.ObjectIdentifier
	content     []byte
	signer      *x509.Certificate
	certs       []*x509.Certificate // every certificate included, the signer's too
	signingTime time.Time           // zero without the attribute
	attrs       map[string][]byte   // each signed attribute's one value (DER), by OID
}

// unmarshalExact decodes one DER value that must fill b entirely.
func unmarshalExact(b []byte, v any, params string) error {
	rest, err := asn1.UnmarshalWithParams(b, v, params)
	if err != nil {
		return err
	}
	if len(rest) > 0 {
		return fmt.Errorf("%d bytes after the value", len(rest))
	}
	return nil
}

// explicitInner is the one encoding inside a constructed [n] EXPLICIT wrapper.
func explicitInner(rv asn1.RawValue) ([]byte, error) {
	if !rv.IsCompound {
		return nil, errors.New("explicit tag not constructed")
	}
	var inner asn1.RawValue
	if err := unmarshalExact(rv.Bytes, &inner, ""); err != nil {
		return nil, err
	}
	return inner.FullBytes, nil
}

// verifyCMS parses DER SignedData strictly and verifies its one signature:
// the content digest and the signature over the signed attributes, with the
// certificate the SignerInfo names (which must be included). It does not
// check whom the certificate belongs to; the callers do.
func verifyCMS(der []byte) (*signedMessage, error) {
	var ci contentInfo
	if err := unmarshalExact(der, &ci, ""); err != nil {
		return nil, fmt.Errorf("%w: not DER CMS: %v", ErrFormat, err)
	}
	if !ci.ContentType.Equal(oidSignedData) {
		return nil, fmt.Errorf("%w: content type %v is not SignedData", ErrFormat, ci.ContentType)
	}
	inner, err := explicitInner(ci.Content)
	if err != nil {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrFormat, err)
	}
	var sd signedDataASN1
	if err := unmarshalExact(inner, &sd, ""); err != nil {
		return nil, fmt.Errorf("%w: SignedData: %v", ErrFormat, err)
	}
	if sd.Version != 1 && sd.Version != 3 {
		return nil, fmt.Errorf("%w: SignedData version %d", ErrFormat, sd.Version)
	}
	// RFC 3161 §2.4.2 allows only the TSA's signature; a trust list has the
	// signer's alone. A second signature would be one nobody checked.
	if len(sd.SignerInfos) != 1 {
		return nil, fmt.Errorf("%w: %d signatures, want exactly 1", ErrFormat, len(sd.SignerInfos))
	}
	m := &signedMessage{contentType: sd.EncapContentInfo.EContentType, attrs: map[string][]byte{}}
	if len(sd.EncapContentInfo.EContent.FullBytes) == 0 {
		return nil, fmt.Errorf("%w: no content attached", ErrFormat)
	}
	octets, err := explicitInner(sd.EncapContentInfo.EContent)
	if err == nil {
		err = unmarshalExact(octets, &m.content, "")
	}
	if err != nil {
		return nil, fmt.Errorf("%w: content: %v", ErrFormat, err)
	}
	if len(sd.Certificates.FullBytes) > 0 {
		if !sd.Certificates.IsCompound {
			return nil, fmt.Errorf("%w: certificates not constructed", ErrFormat)
		}
		if m.certs, err = x509.ParseCertificates(sd.Certificates.Bytes); err != nil {
			return nil, fmt.Errorf("%w: certificates: %v", ErrFormat, err)
		}
	}
	si := sd.SignerInfos[0]
	if m.signer, err = findSigner(si, m.certs); err != nil {
		return nil, err
	}
	sigAlg, hash, err := signatureAlgorithm(si.DigestAlgorithm, si.SignatureAlgorithm)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFormat, err)
	}
	// RFC 5652 §5.3: signed attributes must be present when the content is
	// not id-data, which is never the case for the documents read here.
	sa := si.SignedAttrs
	if len(sa.FullBytes) == 0 || !sa.IsCompound {
		return nil, fmt.Errorf("%w: no signed attributes", ErrFormat)
	}
	set, err := asn1.Marshal(asn1.RawValue{Tag: asn1.TagSet, IsCompound: true, Bytes: sa.Bytes})
	if err != nil {
		return nil, fmt.Errorf("%w: signed attributes: %v", ErrFormat, err)
	}
	if err := m.readAttributes(set); err != nil {
		return nil, err
	}
	// RFC 5652 §11.1: the content-type attribute must equal eContentType;
	// it is the signed one of the two.
	var ct asn1.ObjectIdentifier
	if err := unmarshalExact(m.attrs[oidAttrContentType.String()], &ct, ""); err != nil {
		return nil, fmt.Errorf("%w: content-type attribute: %v", ErrFormat, err)
	}
	if !ct.Equal(m.contentType) {
		return nil, fmt.Errorf("%w: content-type attribute %v differs from the content's type %v", ErrSignature, ct, m.contentType)
	}
	var md []byte
	if err := unmarshalExact(m.attrs[oidAttrMessageDigest.String()], &md, ""); err != nil {
		return nil, fmt.Errorf("%w: message-digest attribute: %v", ErrFormat, err)
	}
	h := hash.New()
	h.Write(m.content)
	if !bytes.Equal(md, h.Sum(nil)) {
		return nil, fmt.Errorf("%w: the content does not match its signed digest (changed after signing)", ErrSignature)
	}
	if err := m.signer.CheckSignature(sigAlg, set, si.Signature); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignature, err)
	}
	if st, ok := m.attrs[oidAttrSigningTime.String()]; ok {
		if err := unmarshalExact(st, &m.signingTime, ""); err != nil {
			return nil, fmt.Errorf("%w: signing-time attribute: %v", ErrFormat, err)
		}
		if m.signingTime.Before(m.signer.NotBefore) || m.signingTime.After(m.signer.NotAfter) {
			return nil, fmt.Errorf("%w: signed at %s, outside the signer certificate's validity %s to %s", ErrChain,
				m.signingTime.UTC().Format(time.RFC3339), m.signer.NotBefore.UTC().Format(time.RFC3339), m.signer.NotAfter.UTC().Format(time.RFC3339))
		}
	}
	return m, nil
}

// readAttributes collects the signed attributes, each of which must have one
// value and occur once (RFC 5652 §5.3, §11); contentType and messageDigest are
// required.
func (m *signedMessage) readAttributes(set []byte) error {
	var attrs []attributeASN1
	if err := unmarshalExact(set, &attrs, "set"); err != nil {
		return fmt.Errorf("%w: signed attributes: %v", ErrFormat, err)
	}
	for _, a := range attrs {
		if a.Values.Class != asn1.ClassUniversal || a.Values.Tag != asn1.TagSet {
			return fmt.Errorf("%w: attribute %v: values are not a SET", ErrFormat, a.Type)
		}
		var v asn1.RawValue
		if err := unmarshalExact(a.Values.Bytes, &v, ""); err != nil {
			return fmt.Errorf("%w: attribute %v: want exactly one value: %v", ErrFormat, a.Type, err)
		}
		k := a.Type.String()
		if _, dup := m.attrs[k]; dup {
			return fmt.Errorf("%w: attribute %v occurs twice", ErrFormat, a.Type)
		}
		m.attrs[k] = v.FullBytes
	}
	for _, need := range []asn1.ObjectIdentifier{oidAttrContentType, oidAttrMessageDigest} {
		if _, ok := m.attrs[need.String()]; !ok {
			return fmt.Errorf("%w: signed attribute %v missing", ErrFormat, need)
		}
	}
	return nil
}

// findSigner returns the included certificate the SignerInfo names, by issuer
// and serial number (version 1) or by subject key identifier (version 3).
func findSigner(si signerInfoASN1, certs []*x509.Certificate) (*x509.Certificate, error) {
	sid := si.SID
	switch {
	case si.Version == 1 && sid.Class == asn1.ClassUniversal && sid.Tag == asn1.TagSequence:
		var ias issuerAndSerial
		if err := unmarshalExact(sid.FullBytes, &ias, ""); err != nil {
			return nil, fmt.Errorf("%w: signer identifier: %v", ErrFormat, err)
		}
		for _, c := range certs {
			if bytes.Equal(c.RawIssuer, ias.Issuer.FullBytes) && c.SerialNumber.Cmp(ias.Serial) == 0 {
				return c, nil
			}
		}
	case si.Version == 3 && sid.Class == asn1.ClassContextSpecific && sid.Tag == 0 && !sid.IsCompound:
		for _, c := range certs {
			if len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, sid.Bytes) {
				return c, nil
			}
		}
	default:
		return nil, fmt.Errorf("%w: SignerInfo version %d with an unexpected signer identifier", ErrFormat, si.Version)
	}
	return nil, fmt.Errorf("%w: the signer's certificate is not included", ErrFormat)
}

// signatureAlgorithm maps a SignerInfo's digest and signature algorithms to
// x509's: ECDSA and RSA PKCS#1 v1.5 with SHA-256, -384 or -512, which covers
// our own documents and the tokens of common TSAs. SHA-1 is refused.
func signatureAlgorithm(digest, sig pkix.AlgorithmIdentifier) (x509.SignatureAlgorithm, crypto.Hash, error) {
	if !paramsAbsentOrNull(digest) {
		return 0, 0, fmt.Errorf("digest algorithm %v with parameters", digest.Algorithm)
	}
	var h crypto.Hash
	switch {
	case digest.Algorithm.Equal(oidSHA256):
		h = crypto.SHA256
	case digest.Algorithm.Equal(oidSHA384):
		h = crypto.SHA384
	case digest.Algorithm.Equal(oidSHA512):
		h = crypto.SHA512
	default:
		return 0, 0, fmt.Errorf("unsupported digest algorithm %v", digest.Algorithm)
	}
	type pair struct {
		oid asn1.ObjectIdentifier
		h   crypto.Hash
		alg x509.SignatureAlgorithm
	}
	for _, p := range []pair{
		{oidECDSAWithSHA256, crypto.SHA256, x509.ECDSAWithSHA256},
		{oidECDSAWithSHA384, crypto.SHA384, x509.ECDSAWithSHA384},
		{oidECDSAWithSHA512, crypto.SHA512, x509.ECDSAWithSHA512},
		{oidSHA256WithRSA, crypto.SHA256, x509.SHA256WithRSA},
		{oidSHA384WithRSA, crypto.SHA384, x509.SHA384WithRSA},
		{oidSHA512WithRSA, crypto.SHA512, x509.SHA512WithRSA},
		{oidRSAEncryption, crypto.SHA256, x509.SHA256WithRSA},
		{oidRSAEncryption, crypto.SHA384, x509.SHA384WithRSA},
		{oidRSAEncryption, crypto.SHA512, x509.SHA512WithRSA},
	} {
		if sig.Algorithm.Equal(p.oid) && h == p.h {
			if !paramsAbsentOrNull(sig) {
				return 0, 0, fmt.Errorf("signature algorithm %v with parameters", sig.Algorithm)
			}
			return p.alg, h, nil
		}
	}
	return 0, 0, fmt.Errorf("unsupported signature algorithm %v with digest %v", sig.Algorithm, digest.Algorithm)
}

// paramsAbsentOrNull: RFC 5754 §2 lets SHA-2 identifiers carry NULL or nothing.
func paramsAbsentOrNull(a pkix.AlgorithmIdentifier) bool {
	p := a.Parameters
	return len(p.FullBytes) == 0 || bytes.Equal(p.FullBytes, asn1.NullBytes)
}
