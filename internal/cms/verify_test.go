package cms

import (
	"bytes"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"testing"

	"github.com/digitorus/pkcs7"
)

func TestVerify(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Verify")
	doc := []byte("<Evidence>ein Brief</Evidence>")
	good := sign(t, p.seal(t), OIDData(), doc)
	signer, certs, err := mustParse(t, good).Verify()
	if err != nil {
		t.Fatal(err)
	}
	if !signer.Equal(p.leaf) || len(certs) != 2 {
		t.Fatalf("signer %v, %d certificates", signer.Subject, len(certs))
	}
	other := newPKI(t, "Other")
	listType := asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 32473, 7434, 2, 1}
	list := sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf}), listType, doc)
	// The signing-certificate-v2 attribute names the TSA, and with an
	// issuerSerial that is not the signer's.
	wrongESS := sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf}, SigningCertificateV2(p.tsa)), OIDData(), doc)
	h := digestOf(string(p.leaf.Raw))
	issuerSerial := appendTLV(nil, tagSequence, append(appendTLV(nil, tagSequence, appendTLV(nil, tagContext4, p.root.RawSubject)),
		appendTLV(nil, tagInteger, []byte{1})...))
	essIS := appendTLV(nil, tagSequence, appendTLV(nil, tagSequence, appendTLV(nil, tagSequence,
		append(appendTLV(nil, tagOctetString, h), issuerSerial...))))
	wrongIssuerSerial := sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf},
		Attribute{OIDSigningCertificateV2(), essIS}), OIDData(), doc)
	for _, c := range []struct {
		name string
		der  []byte
		want error
	}{
		{"a byte of the content", flip(good, at(t, good, doc)+3), ErrMessageDigest},
		{"the eContentType", bytes.Replace(list, appendOID(nil, "\x2b\x06\x01\x04\x01\x81\xfd\x59\xba\x0a\x02\x01"),
			appendOID(nil, "\x2b\x06\x01\x04\x01\x81\xfd\x59\xba\x0a\x02\x02"), 1), ErrContentType},
		{"the signing time", flip(good, at(t, good, []byte("270302090000Z"))+3), ErrSignature},
		{"the signature", flip(good, len(good)-3), ErrSignature},
		{"no signer certificate", sign(t, mustSigner(t, p.leafKey, p.leaf, nil), OIDData(), doc), ErrNoSigner},
		{"another signer's certificate", sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{other.leaf}), OIDData(), doc), ErrNoSigner},
		{"signing-certificate-v2 names another certificate", wrongESS, ErrSigningCertificate},
		{"signing-certificate-v2 names another issuer and serial", wrongIssuerSerial, ErrSigningCertificate},
		{"a certificate that does not parse", bytes.Replace(good, p.inter.Raw[:8], []byte{0x30, 0x82, 0, 4, 5, 0, 5, 0}, 1), ErrFormat},
	} {
		d, err := Parse(c.der)
		if err == nil {
			_, _, err = d.Verify()
		}
		wantErr(t, c.name, err, c.want)
	}
}

// TestVerifySubjectKeyIdentifier: a SignerInfo may name its certificate by
// subject key identifier (version 3, RFC 5652 §5.3); TSAs do.
func TestVerifySubjectKeyIdentifier(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "SKI")
	good := sign(t, mustSigner(t, p.leafKey, p.leaf, []*x509.Certificate{p.leaf}), OIDTSTInfo(), []byte("x"))
	parts := splitSD(t, good)
	si := splitSI(t, parts.signerInfos[0])
	si.version, si.sid = []byte(derVersion3), appendTLV(nil, 0x80, p.leaf.SubjectKeyId) // not signed: the signature stays good
	parts.signerInfos[0] = si.join()
	d := mustParse(t, parts.join())
	if signer, _, err := d.Verify(); err != nil || !signer.Equal(p.leaf) {
		t.Fatalf("signer %v, %v", signer, err)
	}
	si.sid = appendTLV(nil, 0x80, []byte("another key"))
	parts.signerInfos[0] = si.join()
	_, _, err := mustParse(t, parts.join()).Verify()
	wantErr(t, "another subject key identifier", err, ErrNoSigner)
}

// TestVerifyReadsPKCS7: what github.com/digitorus/pkcs7 writes, with ECDSA
// and with RSA, parses and verifies here (it writes DER with the signer's
// certificate included).
func TestVerifyReadsPKCS7(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "PKCS7")
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaCert := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "RSA"}}, p.inter, &rsaKey.PublicKey, p.interKey)
	for _, c := range []struct {
		name   string
		cert   *x509.Certificate
		key    crypto.Signer
		digest asn1.ObjectIdentifier
		alg    x509.SignatureAlgorithm
	}{
		{"ECDSA", p.leaf, p.leafKey, pkcs7.OIDDigestAlgorithmSHA256, x509.ECDSAWithSHA256},
		{"ECDSA, SHA-384", p.leaf, p.leafKey, pkcs7.OIDDigestAlgorithmSHA384, x509.ECDSAWithSHA384},
		{"RSA, SHA-512", rsaCert, rsaKey, pkcs7.OIDDigestAlgorithmSHA512, x509.SHA512WithRSA},
	} {
		sd, err := pkcs7.NewSignedData([]byte("content"))
		if err != nil {
			t.Fatal(err)
		}
		sd.SetDigestAlgorithm(c.digest)
		if err := sd.AddSigner(c.cert, c.key, pkcs7.SignerInfoConfig{}); err != nil {
			t.Fatal(err)
		}
		der, err := sd.Finish()
		if err != nil {
			t.Fatal(err)
		}
		d, err := Parse(der)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if signer, _, err := d.Verify(); err != nil || !signer.Equal(c.cert) || d.SignatureAlgorithm != c.alg {
			t.Errorf("%s: %v, %v, %v", c.name, signer, d.SignatureAlgorithm, err)
		}
	}
}

// TestVerifyEveryByte flips every byte of a signed document in two ways:
// Parse and Verify never panic, and each refusal names one of the checks.
// A flip that Verify lets pass must be outside what the signature covers:
// the intermediate certificate or the unsigned attribute.
func TestVerifyEveryByte(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Bytes")
	token := p.token(t, digestOf("x"))
	der := sign(t, p.seal(t), OIDData(), []byte("<Evidence/>"), Attribute{OIDTimeStampToken(), token})
	unsigned := len(der) - len(splitSI(t, splitSD(t, der).signerInfos[0]).unsigned) // the last field
	inter := bytes.Index(der, p.inter.Raw)                                          // the file's copy; the token has its own
	counts := map[string]int{}
	for i := range der {
		for _, mask := range []byte{0x01, 0x80} {
			d := bytes.Clone(der)
			d[i] ^= mask
			sd, err := Parse(d)
			if err == nil {
				_, _, err = sd.Verify()
			}
			switch {
			case err == nil:
				if i < unsigned && !(i >= inter && i < inter+len(p.inter.Raw)) {
					t.Fatalf("flip %#02x at byte %d verifies", mask, i)
				}
				counts["ok"]++
			case errors.Is(err, ErrFormat):
				counts["format"]++
			case errors.Is(err, ErrSignature):
				counts["signature"]++
			case errors.Is(err, ErrSignerRole):
				counts["signer role"]++
			default:
				t.Fatalf("flip %#02x at byte %d: %v names no check", mask, i, err)
			}
		}
	}
	t.Logf("%d bytes: %v", len(der), counts)
}
