package cms

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

// testCA issues domain certificates, as the authority does.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// recipient is a provider's domain certificate and its key.
type recipient struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t testing.TB) testCA {
	t.Helper()
	ca := testCA{key: newKey(t)}
	ca.cert = makeCert(t, &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "Testbehörde Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}, nil, ca.key, ca.key)
	return ca
}

// newRecipient is a domain certificate of ca for a new key, with the given
// serial number.
func newRecipient(t testing.TB, ca testCA, serial int64) recipient {
	t.Helper()
	return ca.recipient(t, newKey(t), serial)
}

// recipient is a domain certificate for key: digitalSignature only, as the
// authority issues them, and valid now, for OpenSSL.
func (ca testCA) recipient(t testing.TB, key *ecdsa.PrivateKey, serial int64) recipient {
	t.Helper()
	cert := makeCert(t, &x509.Certificate{SerialNumber: big.NewInt(serial),
		Subject: pkix.Name{CommonName: "anbieter-b.example"}, DNSNames: []string{"anbieter-b.example"},
		KeyUsage: x509.KeyUsageDigitalSignature}, ca.cert, key, ca.key)
	return recipient{cert: cert, key: key}
}

func makeCert(t testing.TB, tmpl, parent *x509.Certificate, key, parentKey *ecdsa.PrivateKey) *x509.Certificate {
	t.Helper()
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	if parent == nil {
		parent = tmpl
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustEncrypt(t testing.TB, content []byte, r recipient, p profile) []byte {
	t.Helper()
	der, err := encrypt(rand.Reader, content, r.cert, p)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// parsed is der's envelope; its slices give the offsets of its parts.
func parsed(t testing.TB, der []byte) envelope {
	t.Helper()
	var e envelope
	if err := e.parse(der); err != nil {
		t.Fatal(err)
	}
	return e
}

// offset is where part, a slice the parser read from der, starts in der.
func offset(der, part []byte) int { return cap(der) - cap(part) }

const letter = "From: a@anbieter-a.example\r\nTo: b@anbieter-b.example\r\nSubject: Test\r\n\r\nHallo.\r\n"

func TestOIDConstantsEnvelope(t *testing.T) {
	t.Parallel()
	for dotted, c := range map[string]string{
		"1.2.840.113549.1.9.16.1.23": oidAuthEnvelopedData, "1.2.840.10045.2.1": oidECPublicKey,
		"1.2.840.10045.3.1.7": oidP256, "1.3.133.16.840.63.0.2": oidECDHSHA1KDF,
		"1.3.132.1.11.0": oidECDHSHA224KDF, "1.3.132.1.11.1": oidECDHSHA256KDF,
		"1.3.132.1.11.2": oidECDHSHA384KDF, "1.3.132.1.11.3": oidECDHSHA512KDF,
		"2.16.840.1.101.3.4.1.5": oidAES128Wrap, "2.16.840.1.101.3.4.1.25": oidAES192Wrap,
		"2.16.840.1.101.3.4.1.45": oidAES256Wrap, "2.16.840.1.101.3.4.1.6": oidAES128GCM,
		"2.16.840.1.101.3.4.1.26": oidAES192GCM, "2.16.840.1.101.3.4.1.46": oidAES256GCM,
	} {
		var o asn1.ObjectIdentifier
		s := cryptobyte.String(oidElement(c))
		if !s.ReadASN1ObjectIdentifier(&o) || o.String() != dotted {
			t.Errorf("%s: constant %x reads as %v", dotted, c, o)
		}
	}
	if der, _ := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}}); string(der) != derAlgECPublicKey {
		t.Errorf("derAlgECPublicKey is %x, encoding/asn1 writes %x", derAlgECPublicKey, der)
	}
}

// TestEncryptRoundTrip: Decrypt gives back what Encrypt encrypted, empty,
// a letter and 5 MiB, and Encrypt writes Siegel's algorithms, a fresh key
// and nonce each time.
func TestEncryptRoundTrip(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	big := bytes.Repeat([]byte("0123456789abcdef"), 5<<20/16)
	for name, content := range map[string][]byte{"empty": {}, "letter": []byte(letter), "5MiB": big} {
		der, err := Encrypt(rand.Reader, content, r.cert)
		if err != nil {
			t.Fatal(err)
		}
		got, err := Decrypt(der, r.cert, r.key)
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("%s: Decrypt gave %d bytes, %v", name, len(got), err)
		}
		if len(content) > 0 && bytes.Contains(der, content[:min(len(content), 64)]) {
			t.Fatalf("%s: the envelope holds the plain content", name)
		}
		e := parsed(t, der)
		if e.kdf.String() != "SHA-256" || e.kekLen != 32 || e.cekLen != 32 || e.ukm != nil ||
			len(e.encrypted) != len(content) || !bytes.Equal(e.wrapAlg, element(tagSequence, oidElement(oidAES256Wrap))) {
			t.Errorf("%s: Encrypt wrote %+v", name, e)
		}
	}
	a, b := mustEncrypt(t, []byte(letter), r, siegelProfile()), mustEncrypt(t, []byte(letter), r, siegelProfile())
	ea, eb := parsed(t, a), parsed(t, b)
	if bytes.Equal(ea.ephemeral, eb.ephemeral) || bytes.Equal(ea.nonce, eb.nonce) || bytes.Equal(ea.wrapped, eb.wrapped) {
		t.Error("two envelopes share an ephemeral key, a nonce or a wrapped key")
	}
}

// TestDecryptOtherSenders: Decrypt reads every combination it accepts of
// KDF hash, wrap and content key size, user keying material and originator
// key parameters, as other senders write them.
func TestDecryptOtherSenders(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	var ps []profile
	for _, kdf := range []string{oidECDHSHA1KDF, oidECDHSHA224KDF, oidECDHSHA256KDF, oidECDHSHA384KDF, oidECDHSHA512KDF} {
		for _, wrap := range []string{oidAES128Wrap, oidAES192Wrap, oidAES256Wrap} {
			for _, content := range []string{oidAES128GCM, oidAES192GCM, oidAES256GCM} {
				ps = append(ps, profile{kdf: kdf, wrap: wrap, content: content})
			}
		}
	}
	ps = append(ps, profile{kdf: oidECDHSHA256KDF, wrap: oidAES256Wrap, content: oidAES256GCM, ukm: bytes.Repeat([]byte{7}, 64)},
		profile{kdf: oidECDHSHA1KDF, wrap: oidAES128Wrap, content: oidAES128GCM, ukm: []byte{}},
		profile{kdf: oidECDHSHA256KDF, wrap: oidAES256Wrap, content: oidAES256GCM, keyParams: "\x05\x00"},
		profile{kdf: oidECDHSHA256KDF, wrap: oidAES256Wrap, content: oidAES256GCM, keyParams: string(oidElement(oidP256))})
	for _, p := range ps {
		got, err := Decrypt(mustEncrypt(t, []byte(letter), r, p), r.cert, r.key)
		if err != nil || string(got) != letter {
			t.Errorf("%x: %q, %v", p, got, err)
		}
	}
	// The KDF's input must be exactly the SharedInfo: a ukm the sender
	// used and the envelope does not carry gives another key.
	p := siegelProfile()
	p.ukm = []byte("ukm")
	der := mustEncrypt(t, []byte(letter), r, p)
	e := parsed(t, der)
	stripped := edit(t, der, func(n *node) { n.kari().kids = append(n.kari().kids[:2], n.kari().kids[3:]...) })
	if _, err := Decrypt(stripped, r.cert, r.key); !errors.Is(err, ErrDecrypt) {
		t.Errorf("without the ukm %x: %v", e.ukm, err)
	}
}

// TestDecryptOtherKey: a message for another recipient, or with another
// key than the certificate's, is ErrDecrypt; so is one for another key under
// the same issuer and serial number, which only the key wrap's check finds.
func TestDecryptOtherKey(t *testing.T) {
	t.Parallel()
	ca := newTestCA(t)
	r, other := newRecipient(t, ca, 4711), newRecipient(t, ca, 4712)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	twin := ca.recipient(t, newKey(t), 4711) // same issuer and serial, another key
	for name, c := range map[string]recipient{
		"other recipient":        other,
		"certificate, other key": {cert: r.cert, key: other.key},
		"twin certificate":       twin,
	} {
		got, err := Decrypt(der, c.cert, c.key)
		wantErr(t, name, err, ErrDecrypt)
		if got != nil {
			t.Errorf("%s: got content", name)
		}
	}
}

// TestDecryptTampered: a changed ciphertext, tag, wrapped key, nonce or
// ephemeral point is refused, never decrypted.
func TestDecryptTampered(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	e := parsed(t, der)
	for _, c := range []struct {
		name string
		at   int
		want error
	}{
		{"ciphertext", offset(der, e.encrypted) + 10, ErrDecrypt},
		{"first ciphertext byte", offset(der, e.encrypted), ErrDecrypt},
		{"last ciphertext byte", offset(der, e.encrypted) + len(e.encrypted) - 1, ErrDecrypt},
		{"tag", offset(der, e.mac) + 15, ErrDecrypt},
		{"wrapped key", offset(der, e.wrapped) + 20, ErrDecrypt},
		{"nonce", offset(der, e.nonce), ErrDecrypt},
		{"ephemeral x", offset(der, e.ephemeral) + 5, ErrFormat},
		{"ephemeral y", offset(der, e.ephemeral) + 64, ErrFormat},
		{"issuer", offset(der, e.issuer) + len(e.issuer) - 1, ErrDecrypt},
		{"serial", offset(der, e.serial) + len(e.serial) - 1, ErrDecrypt},
	} {
		got, err := Decrypt(flip(der, c.at), r.cert, r.key)
		wantErr(t, c.name, err, c.want)
		if got != nil {
			t.Errorf("%s: got content", c.name)
		}
	}
}

// TestDecryptRefusesAnyChange: no byte of an envelope can change and still
// decrypt, and every truncation is refused as ErrFormat.
func TestDecryptRefusesAnyChange(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	for i := range der {
		for _, mask := range []byte{0x01, 0x80} {
			c := bytes.Clone(der)
			c[i] ^= mask
			if got, err := Decrypt(c, r.cert, r.key); !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDecrypt) || got != nil {
				t.Fatalf("byte %d ^ %#x: %q, %v", i, mask, got, err)
			}
		}
	}
	long := mustEncrypt(t, bytes.Repeat([]byte(letter), 40), r, siegelProfile())
	for n := 0; n < len(long); n += 97 {
		_, err := Decrypt(long[:n], r.cert, r.key)
		wantErr(t, "truncated", err, ErrFormat)
	}
	_, err := Decrypt(append(bytes.Clone(der), 0), r.cert, r.key)
	wantErr(t, "trailing byte", err, ErrFormat)
}

// TestDecryptArguments: what is wrong with the caller's certificate or key,
// rather than with the message, is neither ErrFormat nor ErrDecrypt, except
// a key that is not the certificate's.
func TestDecryptArguments(t *testing.T) {
	t.Parallel()
	r := newRecipient(t, newTestCA(t), 4711)
	der := mustEncrypt(t, []byte(letter), r, siegelProfile())
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca := newTestCA(t)
	p384Cert := makeCert(t, &x509.Certificate{SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "p384"}},
		ca.cert, p384, ca.key)
	for name, c := range map[string]recipient{
		"no certificate":    {key: r.key},
		"no key":            {cert: r.cert},
		"P-384 certificate": {cert: p384Cert, key: p384},
	} {
		if _, err := Decrypt(der, c.cert, c.key); err == nil || errors.Is(err, ErrFormat) || errors.Is(err, ErrDecrypt) {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := Encrypt(rand.Reader, []byte(letter), c.cert); err == nil && c.cert != r.cert {
			t.Errorf("Encrypt to %s did not fail", name)
		}
	}
	if _, err := Encrypt(failingReader{}, []byte(letter), r.cert); err == nil {
		t.Error("Encrypt without randomness did not fail")
	}
	if _, err := Encrypt(rand.Reader, make([]byte, maxEnvelope), r.cert); err == nil {
		t.Error("Encrypt of 64 MiB did not fail")
	}
	_, err = Decrypt(make([]byte, maxEnvelope+1), r.cert, r.key)
	wantErr(t, "over 64 MiB", err, ErrFormat)
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

// FuzzDecrypt: Decrypt never panics, and every refusal is ErrFormat or
// ErrDecrypt. The recipient's key is fixed, so that a corpus entry found
// once stays meaningful.
func FuzzDecrypt(f *testing.F) {
	seed := sha256.Sum256([]byte("FuzzDecrypt recipient"))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), seed[:])
	if err != nil {
		f.Fatal(err)
	}
	r := recipient{cert: makeCert(f, &x509.Certificate{SerialNumber: big.NewInt(4711),
		Subject: pkix.Name{CommonName: "anbieter-b.example"}}, nil, key, key), key: key}
	f.Add(mustEncrypt(f, []byte(letter), r, siegelProfile()))
	f.Add(mustEncrypt(f, nil, r, siegelProfile()))
	f.Add(mustEncrypt(f, []byte(letter), r, profile{kdf: oidECDHSHA1KDF, wrap: oidAES128Wrap, content: oidAES128GCM,
		ukm: []byte("ukm"), keyParams: "\x05\x00"}))
	f.Add([]byte{0x30, 0x80, 0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x10, 0x01, 0x17, 0xa0, 0x80, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, der []byte) {
		content, err := Decrypt(der, r.cert, r.key)
		if err != nil {
			if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrDecrypt) {
				t.Fatalf("%v is neither ErrFormat nor ErrDecrypt", err)
			}
			if content != nil {
				t.Fatal("content with an error")
			}
			return
		}
		var e envelope
		if err := e.parse(der); err != nil || len(e.encrypted) != len(content) {
			t.Fatalf("decrypted %d bytes from %d of ciphertext (%v)", len(content), len(e.encrypted), err)
		}
	})
}
