package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

// checkErr fails unless err names one of the checks.
func checkErr(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, ErrFormat) && !errors.Is(err, ErrSignature) && !errors.Is(err, ErrSignerRole) &&
		!errors.Is(err, ErrChain) && !errors.Is(err, ErrImprint) {
		t.Fatalf("%s: %v (%T) names no check", what, err, err)
	}
}

// detachedContent is what FuzzParseSignedData gives a detached SignedData.
const detachedContent = "Content-Type: text/plain\r\n\r\ndetached\r\n"

// FuzzParseSignedData: Parse and Verify never panic and every refusal
// names a check; what Parse accepts keeps the profile; a detached
// SignedData is not verified before Attach; and what Verify accepts,
// github.com/digitorus/pkcs7 verifies too, with the same content and
// signer.
func FuzzParseSignedData(f *testing.F) {
	p := newPKI(f, "Fuzz")
	f.Add(sign(f, p.seal(f), OIDData(), []byte("<Evidence/>"), Attribute{OIDTimeStampToken(), p.token(f, digestOf("x"))}))
	f.Add(sign(f, mustSigner(f, p.leafKey, p.leaf, []*x509.Certificate{p.leaf}), asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434, 2, 1}, []byte(`{"version": 1}`)))
	f.Add(p.token(f, digestOf("y")))
	if sd, err := pkcs7.NewSignedData([]byte("pkcs7")); err == nil && sd.AddSigner(p.leaf, p.leafKey, pkcs7.SignerInfoConfig{}) == nil {
		if der, err := sd.Finish(); err == nil {
			f.Add(der)
		}
	}
	if sig, err := p.seal(f).Sign(rand.Reader, OIDData(), []byte(detachedContent), t0); err == nil {
		if der, err := sig.MarshalDetached(Attribute{OIDTimeStampToken(), p.token(f, digestOf("x"))}); err == nil {
			f.Add(der)
		}
	}
	f.Add([]byte{0x30, 0x80, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02, 0xa0, 0x80, 0, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, der []byte) {
		d, err := Parse(der)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Parse: %v is no ErrFormat", err)
			}
			return
		}
		if (d.Version != 1 && d.Version != 3) || len(d.MessageDigest) != d.DigestAlgorithm.Size() ||
			len(d.Certificates) > maxCertificates || d.SignedAttrs.Len() < 2 || (d.Detached && d.Content != nil) {
			t.Fatalf("Parse accepted %+v", d)
		}
		if d.Detached {
			if _, _, err := d.Verify(); !errors.Is(err, ErrFormat) {
				t.Fatalf("Verify of detached content before Attach: %v", err)
			}
			if err := d.Attach([]byte(detachedContent)); err != nil {
				t.Fatal(err)
			}
		}
		signer, _, err := d.Verify()
		if err != nil {
			checkErr(t, "Verify", err)
			return
		}
		if d.sid.ski != nil {
			return // pkcs7 finds a signer by issuer and serial number only
		}
		p7, err := pkcs7.Parse(der)
		if err != nil {
			t.Fatalf("verified what pkcs7 cannot parse: %v", err)
		}
		if d.Detached {
			p7.Content = []byte(detachedContent)
		}
		if err := p7.Verify(); err != nil {
			t.Fatalf("verified what pkcs7 does not: %v", err)
		}
		if !bytes.Equal(p7.Content, d.Content) || !p7.GetOnlySigner().Equal(signer) {
			t.Fatal("pkcs7 sees other content or another signer")
		}
	})
}

// FuzzParseToken: ParseToken, Verify and VerifyTSA never panic and every
// refusal names a check; what VerifyToken accepts,
// github.com/digitorus/timestamp reads as the same time over the same digest.
func FuzzParseToken(f *testing.F) {
	p := newPKI(f, "Fuzz")
	d := digestOf("x")
	f.Add(p.token(f, d))
	full, err := MarshalTSTInfo(&TSTInfo{Policy: asn1.ObjectIdentifier{1, 2}, HashAlgorithm: crypto.SHA256, HashedMessage: d,
		SerialNumber: big.NewInt(9), GenTime: t0.Add(250 * time.Millisecond), Accuracy: 1500 * time.Microsecond,
		Ordering: true, Nonce: big.NewInt(77), TSAName: p.tsa.RawSubject})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sign(f, p.tsaSigner(f), OIDTSTInfo(), full))
	f.Add(sign(f, mustSigner(f, p.tk, p.tsa, nil, SigningCertificateV2(p.tsa)), OIDTSTInfo(), full))
	ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: d, Time: t0, Policy: asn1.ObjectIdentifier{1, 2, 3},
		AddTSACertificate: true, Certificates: []*x509.Certificate{p.inter}}
	if resp, err := ts.CreateResponseWithOpts(p.tsa, p.tk, crypto.SHA256); err == nil {
		f.Add(tokenOfResponse(f, resp))
	}
	f.Add([]byte("token"))
	f.Fuzz(func(t *testing.T, token []byte) {
		tok, err := ParseToken(token)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("ParseToken: %v is no ErrFormat", err)
			}
			return
		}
		if tok.Info.SerialNumber.Sign() <= 0 || tok.Info.GenTime.IsZero() {
			t.Fatalf("ParseToken accepted %+v", tok.Info)
		}
		if err := tok.Verify(d); err != nil {
			checkErr(t, "Verify", err)
			return
		}
		if err := tok.VerifyTSA(p.roots); err != nil {
			checkErr(t, "VerifyTSA", err)
			return
		}
		if tok.SignedData.sid.ski != nil {
			return // pkcs7, under timestamp, finds a signer by issuer and serial number only
		}
		ts, err := timestamp.Parse(token)
		if err != nil {
			t.Fatalf("verified what timestamp.Parse refuses: %v", err)
		}
		if !ts.Time.Equal(tok.Info.GenTime) || !bytes.Equal(ts.HashedMessage, d) {
			t.Fatalf("timestamp.Parse reads %v over %x", ts.Time, ts.HashedMessage)
		}
	})
}
