package relay

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// FuzzOpen feeds the S/MIME layer's reader what a hostile peer might send:
// it must never panic, and what it returns must be what was sealed.
func FuzzOpen(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	now := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(1),
		Subject: pkix.Name{CommonName: "b.fuzz.test"}, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour),
		KeyUsage: x509.KeyUsageKeyAgreement | x509.KeyUsageDigitalSignature}, &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "b.fuzz.test"}}, &key.PublicKey, key)
	if err != nil {
		f.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		f.Fatal(err)
	}
	inner := []byte("From: a@a.fuzz.test\r\nSubject: x\r\n\r\nbody\r\n")
	env, err := seal(inner, "a@a.fuzz.test", "b@b.fuzz.test", "id", now, cert)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(env)
	f.Add(inner)
	f.Add(bytes.Replace(env, []byte("authEnveloped-data"), []byte("signed-data"), 1))
	f.Add(bytes.Replace(env, []byte("base64"), []byte("7bit"), 1))
	f.Add([]byte("Content-Type: application/pkcs7-mime\r\nContent-Transfer-Encoding: base64\r\n\r\nMAA=\r\n"))
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, err := open(raw, cert, key)
		if bytes.Equal(raw, env) && (err != nil || !bytes.Equal(got, inner)) {
			t.Fatalf("the sealed message opened to %q, %v; sealed %q", got, err, inner)
		}
	})
}
