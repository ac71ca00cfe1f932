package cms

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"encoding/asn1"
	"testing"

	"github.com/digitorus/pkcs7"
)

// smimeEntity is content as S/MIME signs it: a MIME entity in canonical
// form (RFC 8551 §3.1.1).
const smimeEntity = "Content-Type: text/plain; charset=utf-8\r\n\r\nsigned\r\n"

// signBoth signs content once and writes it attached and detached, with
// the same unsigned attributes.
func signBoth(t *testing.T, s *Signer, ct asn1.ObjectIdentifier, content []byte, unsigned ...Attribute) (attached, detached []byte) {
	t.Helper()
	sig, err := s.Sign(rand.Reader, ct, content, t0)
	if err != nil {
		t.Fatal(err)
	}
	if attached, err = sig.Marshal(unsigned...); err != nil {
		t.Fatal(err)
	}
	if detached, err = sig.MarshalDetached(unsigned...); err != nil {
		t.Fatal(err)
	}
	return attached, detached
}

// withoutContent is der with encapContentInfo cut down to its eContentType.
func withoutContent(t *testing.T, der []byte, ct string) []byte {
	return tamper{t, der}.sd(func(s *sdParts) { s.encap = appendTLV(nil, tagSequence, appendOID(nil, ct)) })
}

// TestMarshalDetached: MarshalDetached writes what Marshal writes without
// eContent (RFC 5652 §5.2), Parse reads it as Detached with the same fields,
// and Verify checks it only once the content is attached.
func TestMarshalDetached(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Detached")
	token := p.token(t, digestOf("x"))
	attached, detached := signBoth(t, p.seal(t), OIDData(), []byte(smimeEntity), Attribute{OIDTimeStampToken(), token})
	if want := withoutContent(t, attached, oidData); !bytes.Equal(detached, want) {
		t.Fatalf("MarshalDetached wrote\n%x\nwant\n%x", detached, want)
	}
	if bytes.Contains(detached, []byte(smimeEntity)) {
		t.Fatal("the detached SignedData holds the content")
	}
	a, err := Parse(attached)
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(detached)
	if err != nil {
		t.Fatalf("Parse(detached): %v", err)
	}
	if a.Detached || !d.Detached || d.Content != nil || d.Version != 1 || !d.ContentType.Equal(OIDData()) ||
		!bytes.Equal(d.MessageDigest, a.MessageDigest) || !d.SigningTime.Equal(a.SigningTime) ||
		!bytes.Equal(d.Signature, a.Signature) || len(d.Certificates) != len(a.Certificates) ||
		d.SignedAttrs.Len() != 4 || d.UnsignedAttrs.Len() != 1 {
		t.Fatalf("detached fields %+v, attached %+v", d, a)
	}
	if _, _, err := d.Verify(); err == nil {
		t.Fatal("verified a detached signature without its content")
	} else {
		wantErr(t, "Verify before Attach", err, ErrFormat)
	}
	if err := d.Attach([]byte("Content-Type: text/plain; charset=utf-8\r\n\r\nsigneD\r\n")); err != nil {
		t.Fatal(err)
	}
	_, _, err = d.Verify()
	wantErr(t, "other content attached", err, ErrMessageDigest)
	if err := d.Attach([]byte(smimeEntity)); err != nil {
		t.Fatal(err)
	}
	signer, certs, err := d.Verify()
	if err != nil {
		t.Fatalf("Verify after Attach: %v", err)
	}
	if !signer.Equal(p.leaf) || len(certs) != 2 {
		t.Errorf("signer %s, %d certificates", signer.Subject, len(certs))
	}
	if err := a.Attach([]byte(smimeEntity)); err == nil {
		t.Error("Attach replaced the content of an attached SignedData")
	}
}

// TestDetachedEmptyContent: a signature over empty content is not verified
// before Attach, though the digest of nothing would match; after
// Attach(nil) it is.
func TestDetachedEmptyContent(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Empty")
	_, detached := signBoth(t, p.seal(t), OIDData(), nil)
	d, err := Parse(detached)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = d.Verify()
	wantErr(t, "Verify before Attach", err, ErrFormat)
	if err := d.Attach(nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Verify(); err != nil {
		t.Fatalf("Verify after Attach(nil): %v", err)
	}
}

// TestMarshalDetachedOtherType: a content type other than id-data keeps
// version 3 (RFC 5652 §5.1) when detached.
func TestMarshalDetachedOtherType(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Typed")
	ct := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434, 2, 1}
	s := mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf})
	content := []byte(`{"version": 1}`)
	attached, detached := signBoth(t, s, ct, content)
	c, err := oidContents(ct)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(detached, withoutContent(t, attached, c)) {
		t.Fatal("MarshalDetached is not Marshal without eContent")
	}
	d, err := Parse(detached)
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 3 || !d.Detached || !d.ContentType.Equal(ct) {
		t.Fatalf("fields %+v", d)
	}
	if err := d.Attach(content); err != nil {
		t.Fatal(err)
	}
	if _, _, err := d.Verify(); err != nil {
		t.Fatal(err)
	}
}

// TestPKCS7VerifiesDetached has github.com/digitorus/pkcs7 verify what
// MarshalDetached writes, with the content given beside it.
func TestPKCS7VerifiesDetached(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Cross")
	_, detached := signBoth(t, p.seal(t), OIDData(), []byte(smimeEntity), Attribute{OIDTimeStampToken(), p.token(t, digestOf("x"))})
	p7, err := pkcs7.Parse(detached)
	if err != nil {
		t.Fatal(err)
	}
	if len(p7.Content) != 0 {
		t.Fatalf("pkcs7 finds %d bytes of content", len(p7.Content))
	}
	p7.Content = []byte(smimeEntity)
	if err := p7.Verify(); err != nil {
		t.Fatalf("pkcs7 does not verify the detached signature: %v", err)
	}
	p7.Content = []byte(smimeEntity + " ")
	if err := p7.Verify(); err == nil {
		t.Fatal("pkcs7 verified other content")
	}
}

// TestDetachedTokenRefused: a time-stamp token carries its TSTInfo (RFC 3161
// §2.4.2); ParseToken and VerifyToken refuse one without it, though its
// signature is good.
func TestDetachedTokenRefused(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Token")
	d := digestOf("x")
	_, detached := signBoth(t, p.tsaSigner(t), OIDTSTInfo(), tstInfo(t, d))
	_, err := ParseToken(detached)
	wantErr(t, "ParseToken", err, ErrFormat)
	_, err = VerifyToken(detached, d, p.roots)
	wantErr(t, "VerifyToken", err, ErrFormat)
}
