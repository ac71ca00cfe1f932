package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// sdParts are the fields of a SignedData as DER elements, to be changed and
// joined again: the tamper tests build what Marshal never writes.
type sdParts struct {
	version, digestAlgs, encap, certs, crls []byte
	signerInfos                             [][]byte
	extra                                   []byte // after signerInfos
}

// siParts are the fields of a SignerInfo as DER elements.
type siParts struct {
	version, sid, digestAlg, signedAttrs, sigAlg, sig, unsigned, extra []byte
}

func splitSD(t testing.TB, der []byte) sdParts {
	t.Helper()
	s := cryptobyte.String(der)
	var ci, w, sd, infos cryptobyte.String
	if !s.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&w, cbasn1.Tag(0).Constructed().ContextSpecific()) || !w.ReadASN1(&sd, cbasn1.SEQUENCE) {
		t.Fatal("not SignedData")
	}
	var p sdParts
	read := func(dst *[]byte, tag cbasn1.Tag) {
		var e cryptobyte.String
		if sd.PeekASN1Tag(tag) && sd.ReadASN1Element(&e, tag) {
			*dst = e
		}
	}
	read(&p.version, cbasn1.INTEGER)
	read(&p.digestAlgs, cbasn1.SET)
	read(&p.encap, cbasn1.SEQUENCE)
	read(&p.certs, cbasn1.Tag(0).Constructed().ContextSpecific())
	read(&p.crls, cbasn1.Tag(1).Constructed().ContextSpecific())
	if !sd.ReadASN1(&infos, cbasn1.SET) {
		t.Fatal("no signerInfos")
	}
	for !infos.Empty() {
		var si cryptobyte.String
		infos.ReadASN1Element(&si, cbasn1.SEQUENCE)
		p.signerInfos = append(p.signerInfos, si)
	}
	return p
}

func (p sdParts) join() []byte {
	infos := appendTLV(nil, tagSet, bytes.Join(p.signerInfos, nil))
	body := bytes.Join([][]byte{p.version, p.digestAlgs, p.encap, p.certs, p.crls, infos, p.extra}, nil)
	sd := appendTLV(nil, tagSequence, body)
	ci := append(appendOID(nil, oidSignedData), appendTLV(nil, tagContext0, sd)...)
	return appendTLV(nil, tagSequence, ci)
}

func splitSI(t testing.TB, si []byte) siParts {
	t.Helper()
	s := cryptobyte.String(si)
	var info cryptobyte.String
	s.ReadASN1(&info, cbasn1.SEQUENCE)
	var p siParts
	for _, dst := range []*[]byte{&p.version, &p.sid, &p.digestAlg, &p.signedAttrs, &p.sigAlg, &p.sig} {
		var e cryptobyte.String
		var tag cbasn1.Tag
		if !info.ReadAnyASN1Element(&e, &tag) {
			t.Fatal("short SignerInfo")
		}
		*dst = e
	}
	if !info.Empty() {
		var e cryptobyte.String
		var tag cbasn1.Tag
		info.ReadAnyASN1Element(&e, &tag)
		p.unsigned = e
	}
	return p
}

func (p siParts) join() []byte {
	return appendTLV(nil, tagSequence, bytes.Join([][]byte{p.version, p.sid, p.digestAlg, p.signedAttrs, p.sigAlg, p.sig, p.unsigned, p.extra}, nil))
}

// attrsOf splits a [0] or [1] attribute set into attribute encodings.
func attrsOf(t testing.TB, set []byte) [][]byte {
	t.Helper()
	s := cryptobyte.String(set)
	var contents cryptobyte.String
	var tag cbasn1.Tag
	s.ReadAnyASN1(&contents, &tag)
	var attrs [][]byte
	for !contents.Empty() {
		var a cryptobyte.String
		contents.ReadASN1Element(&a, cbasn1.SEQUENCE)
		attrs = append(attrs, a)
	}
	return attrs
}

func attrSet(tag byte, attrs ...[]byte) []byte { return appendTLV(nil, tag, bytes.Join(attrs, nil)) }

// rawAttr is an attribute with the given values, each a DER element.
func rawAttr(oid string, values ...[]byte) []byte {
	set := appendTLV(nil, tagSet, bytes.Join(values, nil))
	return appendTLV(nil, tagSequence, append(appendOID(nil, oid), set...))
}

// tamper makes copies of a good SignedData with one thing changed.
type tamper struct {
	t    *testing.T
	good []byte
}

func (m tamper) sd(change func(*sdParts)) []byte {
	parts := splitSD(m.t, m.good)
	change(&parts)
	return parts.join()
}

func (m tamper) si(change func(*siParts)) []byte {
	return m.sd(func(s *sdParts) {
		parts := splitSI(m.t, s.signerInfos[0])
		change(&parts)
		s.signerInfos[0] = parts.join()
	})
}

func (m tamper) signed(change func([][]byte) [][]byte) []byte {
	return m.si(func(s *siParts) { s.signedAttrs = attrSet(tagContext0, change(attrsOf(m.t, s.signedAttrs))...) })
}

// replaceAttr gives the signed attribute oid other values.
func (m tamper) replaceAttr(oid string, values ...[]byte) []byte {
	return m.signed(func(as [][]byte) [][]byte {
		for i, a := range as {
			if bytes.Contains(a, appendOID(nil, oid)) {
				as[i] = rawAttr(oid, values...)
			}
		}
		return as
	})
}

func (m tamper) dropAttr(oid string) []byte {
	return m.signed(func(as [][]byte) [][]byte {
		var out [][]byte
		for _, a := range as {
			if !bytes.Contains(a, appendOID(nil, oid)) {
				out = append(out, a)
			}
		}
		return out
	})
}

// goodSignedData is a SignedData in the evidence shape, with a time-stamp.
func goodSignedData(t *testing.T) (*testPKI, []byte) {
	p := newPKI(t, "Parse")
	good := sign(t, p.seal(t), OIDData(), []byte("<Evidence/>"), Attribute{OIDTimeStampToken(), p.token(t, digestOf("x"))})
	if _, err := Parse(good); err != nil {
		t.Fatal(err)
	}
	return p, good
}

type refusal struct {
	name string
	der  []byte
}

func wantRefused(t *testing.T, cases []refusal) {
	t.Helper()
	for _, c := range cases {
		_, err := Parse(c.der)
		wantErr(t, c.name, err, ErrFormat)
		if testing.Verbose() {
			t.Logf("%s: %v", c.name, err)
		}
	}
}

// TestParseRefusesSignedData changes one field at a time of the ContentInfo
// and SignedData the package wrote and expects Parse to refuse it as
// ErrFormat.
func TestParseRefusesSignedData(t *testing.T) {
	t.Parallel()
	p, good := goodSignedData(t)
	foreignSI := splitSD(t, sign(t, newPKI(t, "Other").seal(t), OIDData(), []byte("<Evidence/>"))).signerInfos[0]
	sd := tamper{t, good}.sd
	sha384 := appendTLV(nil, tagSequence, appendOID(nil, oidSHA384))
	outer := cryptobyte.String(good)
	var contents cryptobyte.String
	outer.ReadASN1(&contents, cbasn1.SEQUENCE)
	nineCerts := make([][]byte, maxCertificates+1)
	for i := range nineCerts {
		nineCerts[i] = p.leaf.Raw
	}
	wantRefused(t, []refusal{
		{"trailing byte", append(bytes.Clone(good), 0)},
		{"empty", nil},
		{"BER indefinite length", append(append([]byte{0x30, 0x80}, contents...), 0, 0)},
		{"length not in the fewest octets", append([]byte{0x30, 0x84, 0, 0, byte(len(contents) >> 8), byte(len(contents))}, contents...)},
		{"another content type", bytes.Replace(good, []byte(oidSignedData), []byte(oidData), 1)},
		{"SignedData version 2", sd(func(s *sdParts) { s.version = []byte("\x02\x01\x02") })},
		{"version 3 for id-data and issuer and serial", sd(func(s *sdParts) { s.version = []byte(derVersion3) })},
		{"no digest algorithm", sd(func(s *sdParts) { s.digestAlgs = appendTLV(nil, tagSet, nil) })},
		{"two digest algorithms", sd(func(s *sdParts) { s.digestAlgs = attrSet(tagSet, []byte(derAlgSHA256), sha384) })},
		{"digest algorithm not the signer's", sd(func(s *sdParts) { s.digestAlgs = attrSet(tagSet, sha384) })},
		{"eContent without its OCTET STRING", sd(func(s *sdParts) {
			s.encap = appendTLV(nil, tagSequence, append(appendOID(nil, oidData), appendTLV(nil, tagContext0, nil)...))
		})},
		{"eContent primitive", sd(func(s *sdParts) {
			s.encap = appendTLV(nil, tagSequence, append(appendOID(nil, oidData), appendTLV(nil, 0x80, []byte("x"))...))
		})},
		{"constructed OCTET STRING (BER)", sd(func(s *sdParts) {
			s.encap = appendTLV(nil, tagSequence, append(appendOID(nil, oidData),
				appendTLV(nil, tagContext0, appendTLV(nil, 0x24, appendTLV(nil, tagOctetString, []byte("x"))))...))
		})},
		{"an attribute certificate", sd(func(s *sdParts) { s.certs = appendTLV(nil, tagContext0, appendTLV(nil, 0xa1, nil)) })},
		{"more certificates than a signer has", sd(func(s *sdParts) { s.certs = attrSet(tagContext0, nineCerts...) })},
		{"CRLs", sd(func(s *sdParts) { s.crls = appendTLV(nil, tagContext1, nil) })},
		{"no SignerInfo", sd(func(s *sdParts) { s.signerInfos = nil })},
		{"a second signature by another signer", sd(func(s *sdParts) { s.signerInfos = append(s.signerInfos, foreignSI) })},
		{"the signature twice", sd(func(s *sdParts) { s.signerInfos = append(s.signerInfos, s.signerInfos[0]) })},
		{"data after signerInfos", sd(func(s *sdParts) { s.extra = []byte{5, 0} })},
	})
	for n := range good {
		if _, err := Parse(good[:n]); err == nil {
			t.Fatalf("accepted the first %d of %d bytes", n, len(good))
		}
	}
}

// TestParseRefusesSignerInfo does the same for the SignerInfo and its
// attributes.
func TestParseRefusesSignerInfo(t *testing.T) {
	t.Parallel()
	_, good := goodSignedData(t)
	m := tamper{t, good}
	si, replaceAttr := m.si, m.replaceAttr
	sha1 := appendTLV(nil, tagSequence, appendOID(nil, "\x2b\x0e\x03\x02\x1a"))
	wantRefused(t, []refusal{
		{"SignerInfo version 2", si(func(s *siParts) { s.version = []byte("\x02\x01\x02") })},
		{"SignerInfo version 3 with issuer and serial", si(func(s *siParts) { s.version = []byte(derVersion3) })},
		{"signer's digest algorithm SHA-1", m.sd(func(s *sdParts) {
			s.digestAlgs = attrSet(tagSet, sha1)
			parts := splitSI(t, s.signerInfos[0])
			parts.digestAlg = sha1
			s.signerInfos[0] = parts.join()
		})},
		{"no signed attributes", si(func(s *siParts) { s.signedAttrs = nil })},
		{"empty signed attributes", m.signed(func([][]byte) [][]byte { return nil })},
		{"a signed attribute twice", m.signed(func(as [][]byte) [][]byte { return append(as, as[len(as)-1]) })},
		{"an attribute with two values", replaceAttr(oidSigningTime, []byte("\x17\x0d270302090000Z"), []byte("\x17\x0d270302090001Z"))},
		{"an attribute without a value", replaceAttr(oidSigningTime)},
		{"no content-type attribute", m.dropAttr(oidContentType)},
		{"no message-digest attribute", m.dropAttr(oidMessageDigest)},
		{"a message digest of 31 bytes", replaceAttr(oidMessageDigest, appendTLV(nil, tagOctetString, make([]byte, 31)))},
		{"signing-time without seconds", replaceAttr(oidSigningTime, []byte("\x17\x0b2703020900Z"))},
		{"signing-time in a local zone", replaceAttr(oidSigningTime, []byte("\x17\x11270302090000+0100"))},
		{"signing-time of 2027 as GeneralizedTime", replaceAttr(oidSigningTime, []byte("\x18\x0f20270302090000Z"))},
		{"malformed signing-certificate-v2", replaceAttr(oidSigningCertificateV2, appendTLV(nil, tagSequence, nil))},
		{"ECDSA with NULL parameters", si(func(s *siParts) {
			s.sigAlg = appendTLV(nil, tagSequence, append(appendOID(nil, oidECDSAWithSHA256), 0x05, 0x00))
		})},
		{"ECDSA with SHA-384 over a SHA-256 digest", si(func(s *siParts) {
			s.sigAlg = appendTLV(nil, tagSequence, appendOID(nil, oidECDSAWithSHA384))
		})},
		{"empty unsigned attributes", si(func(s *siParts) { s.unsigned = appendTLV(nil, tagContext1, nil) })},
		{"data after the unsigned attributes", si(func(s *siParts) { s.extra = []byte{5, 0} })},
	})
}

// TestParseReadsWhatSignWrites checks every field Parse returns, for the
// shapes Siegel writes: evidence (id-data, version 1) and a token (version 3).
func TestParseReadsWhatSignWrites(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Fields")
	token := p.token(t, digestOf("x"))
	doc := []byte("<Evidence/>")
	d, err := Parse(sign(t, p.seal(t), OIDData(), doc, Attribute{OIDTimeStampToken(), token}))
	if err != nil {
		t.Fatal(err)
	}
	md := digestOf(string(doc))
	if d.Version != 1 || !d.ContentType.Equal(OIDData()) || !bytes.Equal(d.Content, doc) || d.DigestAlgorithm != crypto.SHA256 ||
		d.SignatureAlgorithm != x509.ECDSAWithSHA256 || !bytes.Equal(d.MessageDigest, md) || !d.SigningTime.Equal(t0) ||
		d.SignedAttrs.Len() != 4 || d.UnsignedAttrs.Len() != 1 || len(d.Certificates) != 2 || !d.HasSigningCertificate() {
		t.Fatalf("fields %+v", d)
	}
	if v, ok := d.UnsignedAttrs.Get(OIDTimeStampToken()); !ok || !bytes.Equal(v, token) {
		t.Error("the time-stamp token does not read back")
	}
	if _, ok := d.SignedAttrs.Get(asn1.ObjectIdentifier{1, 2, 3}); ok {
		t.Error("Get found an attribute that is not there")
	}
	tok, err := Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if tok.Version != 3 || !tok.ContentType.Equal(OIDTSTInfo()) || tok.UnsignedAttrs.Len() != 0 {
		t.Fatalf("token fields %+v", tok)
	}
}
