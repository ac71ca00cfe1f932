package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

func TestOIDConstants(t *testing.T) {
	t.Parallel()
	for dotted, c := range map[string]string{
		"1.2.840.113549.1.7.1": oidData, "1.2.840.113549.1.7.2": oidSignedData,
		"1.2.840.113549.1.9.3": oidContentType, "1.2.840.113549.1.9.4": oidMessageDigest, "1.2.840.113549.1.9.5": oidSigningTime,
		"1.2.840.113549.1.9.16.2.12": oidSigningCertificate, "1.2.840.113549.1.9.16.2.47": oidSigningCertificateV2,
		"1.2.840.113549.1.9.16.2.14": oidTimeStampToken, "1.2.840.113549.1.9.16.1.4": oidTSTInfo,
		"2.16.840.1.101.3.4.2.1": oidSHA256, "2.16.840.1.101.3.4.2.2": oidSHA384, "2.16.840.1.101.3.4.2.3": oidSHA512,
		"1.2.840.10045.4.3.2": oidECDSAWithSHA256, "1.2.840.10045.4.3.3": oidECDSAWithSHA384, "1.2.840.10045.4.3.4": oidECDSAWithSHA512,
		"1.2.840.113549.1.1.1": oidRSAEncryption, "1.2.840.113549.1.1.11": oidSHA256WithRSA,
		"1.2.840.113549.1.1.12": oidSHA384WithRSA, "1.2.840.113549.1.1.13": oidSHA512WithRSA,
		"1.3.6.1.5.5.7.3.8": oidTimeStamping,
	} {
		oid, ok := parseOID([]byte(c))
		if !ok || oid.String() != dotted {
			t.Errorf("%s: constant %x reads as %v", dotted, c, oid)
		}
		// The encoder agrees, without the table of known OIDs.
		var o asn1.ObjectIdentifier
		s := cryptobyte.String(appendOID(nil, c))
		if !s.ReadASN1ObjectIdentifier(&o) || !o.Equal(oid) {
			t.Errorf("%s: cryptobyte reads %v", dotted, o)
		}
	}
	for _, k := range knownOIDs {
		der, err := asn1.Marshal(k.oid)
		if err != nil || string(der[2:]) != k.contents {
			t.Errorf("%v: table %x, encoding/asn1 %x", k.oid, k.contents, der)
		}
	}
	for _, oid := range []asn1.ObjectIdentifier{{1, 3, 6, 1, 4, 1, 32473, 7434, 2, 1}, {2, 999, 3}, {0, 39}} {
		c, err := oidContents(oid)
		der, _ := asn1.Marshal(oid)
		if err != nil || c != string(der[2:]) {
			t.Errorf("%v: encoded %x, encoding/asn1 %x (%v)", oid, c, der, err)
		}
		if back, ok := parseOID([]byte(c)); !ok || !back.Equal(oid) {
			t.Errorf("%v reads back as %v", oid, back)
		}
	}
	for _, bad := range []asn1.ObjectIdentifier{nil, {1}, {3, 1}, {1, 40}, {1, 2, -1}} {
		if _, err := oidContents(bad); err == nil {
			t.Errorf("encoded the invalid OID %v", bad)
		}
	}
}

// TestPKCS7ReadsWhatSignWrites has github.com/digitorus/pkcs7, an
// independent implementation, read and verify both shapes Siegel writes.
func TestPKCS7ReadsWhatSignWrites(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Cross")
	for _, c := range []struct {
		ct     asn1.ObjectIdentifier
		signer *Signer
	}{
		{OIDData(), p.seal(t)},
		{asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434, 2, 1}, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.inter, p.leaf})},
	} {
		content := []byte(`{"version": 1}`)
		der := sign(t, c.signer, c.ct, content, Attribute{OIDTimeStampToken(), p.token(t, digestOf("x"))})
		p7, err := pkcs7.Parse(der)
		if err != nil {
			t.Fatalf("%v: pkcs7.Parse: %v", c.ct, err)
		}
		if err := p7.VerifyWithChainAtTime(p.roots, t0); err != nil {
			t.Errorf("%v: pkcs7 verify: %v", c.ct, err)
		}
		var st time.Time
		if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &st); err != nil || !st.Equal(t0) {
			t.Errorf("%v: signing-time %v, %v; want the caller's %v", c.ct, st, err, t0)
		}
		if !bytes.Equal(p7.Content, content) || !p7.GetOnlySigner().Equal(p.leaf) {
			t.Errorf("%v: pkcs7 sees other content or another signer", c.ct)
		}
	}
}

// TestSignWritesSortedSets: DER sorts a SET OF by the elements' encodings
// (X.690 §11.6); encoding/asn1 re-encodes what it reads in DER.
func TestSignWritesSortedSets(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Sorted")
	der := sign(t, p.seal(t), OIDData(), []byte("x"),
		Attribute{asn1.ObjectIdentifier{1, 2, 3}, []byte{5, 0}}, Attribute{OIDTimeStampToken(), p.token(t, digestOf("x"))})
	var raw asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &raw); err != nil || len(rest) > 0 {
		t.Fatalf("not one DER element: %v", err)
	}
	parts := splitSD(t, der)
	si := splitSI(t, parts.signerInfos[0])
	for what, set := range map[string][]byte{"certificates": parts.certs, "signed attributes": si.signedAttrs, "unsigned attributes": si.unsigned} {
		s := cryptobyte.String(set)
		var inner cryptobyte.String
		var tag cbasn1.Tag
		s.ReadAnyASN1(&inner, &tag)
		var prev []byte
		n := 0
		for ; !inner.Empty(); n++ {
			var e cryptobyte.String
			inner.ReadAnyASN1Element(&e, &tag)
			if prev != nil && bytes.Compare(prev, e) > 0 {
				t.Errorf("%s: element %d sorts before element %d", what, n, n-1)
			}
			prev = e
		}
		if n < 2 {
			t.Errorf("%s: %d elements, nothing sorted", what, n)
		}
	}
}

// rawSigner returns ECDSA signatures as r‖s, the PKCS#11 form.
type rawSigner struct{ *ecdsa.PrivateKey }

func (r rawSigner) Sign(rnd io.Reader, d []byte, _ crypto.SignerOpts) ([]byte, error) {
	x, y, err := ecdsa.Sign(rnd, r.PrivateKey, d)
	if err != nil {
		return nil, err
	}
	return append(x.FillBytes(make([]byte, 32)), y.FillBytes(make([]byte, 32))...), nil
}

// opaqueKey hides the key type behind crypto.Signer, as a PKCS#11 key does.
type opaqueKey struct{ crypto.Signer }

func TestSignerRefuses(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Refuse")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		key   crypto.Signer
		cert  *x509.Certificate
		attrs []Attribute
		want  string
	}{
		{"RSA", rsaKey, p.leaf, nil, "want ECDSA P-256"},
		{"P-384", p384, p.leaf, nil, "want ECDSA P-256"},
		{"another certificate's key", p.tk, p.leaf, nil, "does not match"},
		{"no certificate", p.leafKey, nil, nil, "required"},
		{"signing-time of its own", p.leafKey, p.leaf, []Attribute{{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, []byte("\x17\x0d270302090000Z")}}, "written by Sign"},
		{"an attribute twice", p.leafKey, p.leaf, []Attribute{SigningCertificateV2(p.leaf), SigningCertificateV2(p.leaf)}, "twice"},
		{"a value of two elements", p.leafKey, p.leaf, []Attribute{{asn1.ObjectIdentifier{1, 2, 3}, []byte{5, 0, 5, 0}}}, "not one DER element"},
		{"too many attributes", p.leafKey, p.leaf, make([]Attribute, maxSignerAttrs+1), "at most"},
	} {
		if _, err := NewSigner(c.key, c.cert, nil, c.attrs...); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
	// An opaque key works: only Sign is called.
	s := mustSigner(t, opaqueKey{p.leafKey}, p.leaf, []*x509.Certificate{p.leaf})
	if _, _, err := mustParse(t, sign(t, s, OIDData(), []byte("x"))).Verify(); err != nil {
		t.Errorf("opaque key: %v", err)
	}
	raw := mustSigner(t, rawSigner{p.leafKey}, p.leaf, nil)
	if _, err := raw.Sign(rand.Reader, OIDData(), []byte("x"), t0); err == nil || !strings.Contains(err.Error(), "not an ASN.1 ECDSA signature") {
		t.Errorf("r‖s signature: %v", err)
	}
	if _, err := s.Sign(rand.Reader, OIDData(), []byte("x"), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)); err == nil {
		t.Error("signed at a time no signing-time can hold")
	}
	sig, err := s.Sign(rand.Reader, OIDData(), []byte("x"), t0)
	if err != nil {
		t.Fatal(err)
	}
	for name, attrs := range map[string][]Attribute{
		"the same unsigned attribute twice": {{OIDTimeStampToken(), []byte{5, 0}}, {OIDTimeStampToken(), []byte{5, 0}}},
		"a value that is not DER":           {{OIDTimeStampToken(), []byte{0x30, 0x80, 0, 0}}},
		"an invalid type":                   {{asn1.ObjectIdentifier{7}, []byte{5, 0}}},
	} {
		if _, err := sig.Marshal(attrs...); err == nil {
			t.Errorf("Marshal accepted %s", name)
		}
	}
}

func mustParse(t testing.TB, der []byte) *SignedData {
	t.Helper()
	d, err := Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestSigningTimeForms: UTCTime for 1950–2049, GeneralizedTime otherwise
// (RFC 5652 §11.3), whole seconds; Parse reads both back.
func TestSigningTimeForms(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Times")
	s := mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf})
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{time.Date(2049, 12, 31, 23, 59, 59, 999, time.UTC), "\x17\x0d491231235959Z"},
		{time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC), "\x18\x0f20500101000000Z"},
		{time.Date(1950, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600)), "\x18\x0f19491231230000Z"},
		{time.Date(1950, 1, 1, 1, 0, 0, 0, time.FixedZone("CET", 3600)), "\x17\x0d500101000000Z"},
	} {
		sig, err := s.Sign(rand.Reader, OIDData(), []byte("x"), c.at)
		if err != nil {
			t.Fatal(err)
		}
		der, _ := sig.Marshal()
		d := mustParse(t, der)
		if !bytes.Contains(der, []byte(c.want)) || !d.SigningTime.Equal(c.at.Truncate(time.Second)) {
			t.Errorf("%v: wrote %q, read %v", c.at, der, d.SigningTime)
		}
	}
}
