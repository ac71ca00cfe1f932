package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 is when the test documents are signed and stamped.
var t0 = time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)

var oidTimeStampingEKU = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 8}

// testPKI is a root, an intermediate, a signer (an end-entity certificate
// such as a provider's seal) and a TSA with the critical timeStamping-only
// extended key usage, all ECDSA P-256 and valid a year around t0.
type testPKI struct {
	root, inter, leaf, tsa         *x509.Certificate
	rootKey, interKey, leafKey, tk *ecdsa.PrivateKey
	roots                          *x509.CertPool
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// issue makes a certificate of tmpl, valid a year around t0, signed by
// parentKey (self-signed without parent).
func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, big.NewInt(1<<62))
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = serial.Add(serial, big.NewInt(1))
	tmpl.NotBefore, tmpl.NotAfter = t0.AddDate(-1, 0, 0), t0.AddDate(1, 0, 0)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ekuExtension is an extended key usage extension holding oids.
func ekuExtension(t testing.TB, critical bool, oids ...asn1.ObjectIdentifier) pkix.Extension {
	t.Helper()
	v, err := asn1.Marshal(oids)
	if err != nil {
		t.Fatal(err)
	}
	return pkix.Extension{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: critical, Value: v}
}

func newPKI(t testing.TB, name string) *testPKI {
	t.Helper()
	p := &testPKI{rootKey: newKey(t), interKey: newKey(t), leafKey: newKey(t), tk: newKey(t)}
	ca := func(cn string) *x509.Certificate {
		return &x509.Certificate{Subject: pkix.Name{CommonName: cn, Organization: []string{name}}, IsCA: true,
			BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	}
	p.root = issue(t, ca(name+" Root"), nil, &p.rootKey.PublicKey, p.rootKey)
	p.inter = issue(t, ca(name+" Intermediate"), p.root, &p.interKey.PublicKey, p.rootKey)
	p.leaf = issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: name + " Seal"}, SubjectKeyId: []byte(name),
		KeyUsage: x509.KeyUsageDigitalSignature}, p.inter, &p.leafKey.PublicKey, p.interKey)
	p.tsa = p.tsaCert(t, name+" TSA", true)
	p.roots = x509.NewCertPool()
	p.roots.AddCert(p.root)
	return p
}

// tsaCert is a certificate for p.tk with the timeStamping extended key
// usage, critical or not.
func (p *testPKI) tsaCert(t testing.TB, cn string, critical bool) *x509.Certificate {
	return issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: cn}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtraExtensions: []pkix.Extension{ekuExtension(t, critical, oidTimeStampingEKU)}}, p.inter, &p.tk.PublicKey, p.interKey)
}

func mustSigner(t testing.TB, key crypto.Signer, cert *x509.Certificate, include []*x509.Certificate, attrs ...Attribute) *Signer {
	t.Helper()
	s, err := NewSigner(key, cert, include, attrs...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// sign signs content of type ct at t0 and writes it with the unsigned
// attributes.
func sign(t testing.TB, s *Signer, ct asn1.ObjectIdentifier, content []byte, unsigned ...Attribute) []byte {
	t.Helper()
	sig, err := s.Sign(rand.Reader, ct, content, t0)
	if err != nil {
		t.Fatal(err)
	}
	der, err := sig.Marshal(unsigned...)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// seal is the evidence signer's shape: the leaf and its chain in the file,
// signing-certificate-v2.
func (p *testPKI) seal(t testing.TB) *Signer {
	return mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf, p.inter}, SigningCertificateV2(p.leaf))
}

// tsaSigner signs tokens as a TSA does, with its chain.
func (p *testPKI) tsaSigner(t testing.TB) *Signer {
	return mustSigner(t, p.tk, p.tsa, []*x509.Certificate{p.tsa, p.inter}, SigningCertificateV2(p.tsa))
}

// tstInfo is a TSTInfo over digest at t0.
func tstInfo(t testing.TB, digest []byte) []byte {
	t.Helper()
	b, err := MarshalTSTInfo(&TSTInfo{Policy: asn1.ObjectIdentifier{1, 2, 3, 4}, HashAlgorithm: crypto.SHA256,
		HashedMessage: digest, SerialNumber: big.NewInt(4711), GenTime: t0, Accuracy: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// token is a token of p's TSA over digest at t0.
func (p *testPKI) token(t testing.TB, digest []byte) []byte {
	return sign(t, p.tsaSigner(t), OIDTSTInfo(), tstInfo(t, digest))
}

func digestOf(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// flip returns a copy of b with the lowest bit of byte i changed: a digit
// stays a digit, so a change gets past the parsers.
func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0x01
	return c
}

// at is the index of part in b, which must occur once.
func at(t testing.TB, b, part []byte) int {
	t.Helper()
	i := strings.Index(string(b), string(part))
	if i < 0 || strings.Count(string(b), string(part)) != 1 {
		t.Fatalf("%x is not in the document exactly once", part)
	}
	return i
}

func wantErr(t testing.TB, what string, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Errorf("%s: got %v, want %v", what, err, want)
	} else if !strings.HasPrefix(err.Error(), want.Error()) {
		t.Errorf("%s: message %q does not name the check %q first", what, err, want)
	}
}
