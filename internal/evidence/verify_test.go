package evidence

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/cms"
)

// flipAt returns der with the lowest bit of byte i flipped, which keeps a
// digit a digit and a letter a letter, so the change gets past the parsers.
func flipAt(der []byte, i int) []byte {
	d := bytes.Clone(der)
	d[i] ^= 0x01
	return d
}

// indexOf finds part in der, once.
func indexOf(t *testing.T, der, part []byte, what string) int {
	t.Helper()
	i := bytes.Index(der, part)
	if i < 0 || bytes.Count(der, part) != 1 {
		t.Fatalf("%s is not in the file exactly once", what)
	}
	return i
}

// TestVerifyTamper flips one byte in each part of the file and expects the
// check that guards that part to fail.
func TestVerifyTamper(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	der, doc := p.signed(t, ContentHandover)
	sig, token, tokInfo := fileParts(t, der)
	digest := sha256.Sum256(doc)
	essHash := sha256.Sum256(p.seal.Raw)
	utc := []byte("\x17\x0d250301120000Z") // the signing-time value, a UTCTime
	// The content-type attribute: id-data.
	ctAttr := []byte("\x30\x18\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x09\x03\x31\x0b\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x01")
	sealCN := indexOf(t, p.seal.Raw, []byte("Siegel Test Seal"), "the seal's common name")
	tsaCN := indexOf(t, token, p.tsa.Raw, "the TSA certificate") + indexOf(t, p.tsa.Raw, []byte("Siegel Test TSA"), "the TSA's common name")
	tests := []struct {
		name  string
		at    int
		check string
	}{
		{"XML content", indexOf(t, der, doc, "the content") + bytes.Index(doc, []byte("erika.mustermann")), CheckMessageDigest},
		{"XML content, last byte", indexOf(t, der, doc, "the content") + len(doc) - 2, CheckMessageDigest},
		{"message-digest attribute", indexOf(t, der, digest[:], "the message digest") + 5, CheckMessageDigest},
		{"signing-time attribute", indexOf(t, der, utc, "the signing time") + 3, CheckSignature},
		{"content-type attribute", indexOf(t, der, ctAttr, "the content-type attribute") + 25, CheckCMS},
		{"signing-certificate-v2 attribute", indexOf(t, der, essHash[:], "the certificate hash") + 7, CheckSigningCertificate},
		{"signature", indexOf(t, der, sig, "the signature") + 20, CheckSignature},
		{"seal certificate", indexOf(t, der, p.seal.Raw, "the seal certificate") + sealCN, CheckSigningCertificate},
		// The intermediate is in the file twice: first among the seal's certificates, then in the token.
		{"intermediate certificate signature", bytes.Index(der, p.inter.Raw) + len(p.inter.Raw) - 10, CheckChain},
		{"time-stamp TSTInfo", indexOf(t, der, tokInfo, "the TSTInfo") + len(tokInfo) - 5, CheckTimestamp},
		{"time-stamp TSA certificate", indexOf(t, der, token, "the token") + tsaCN, CheckTimestamp},
		{"time-stamp signature", indexOf(t, der, token, "the token") + len(token) - 10, CheckTimestamp},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(flipAt(der, tt.at), p.roots, VerifyOptions{})
			wantCheck(t, err, tt.check)
		})
	}
}

// TestVerifyEveryByte flips every byte of a file, one at a time: each flip
// must fail with a *VerifyError and none may panic.
func TestVerifyEveryByte(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	der, _ := p.signed(t, SubmissionRejection)
	step := 1
	if testing.Short() {
		step = 7
	}
	counts := map[string]int{}
	for i := 0; i < len(der); i += step {
		for _, mask := range []byte{0x01, 0x80} {
			d := bytes.Clone(der)
			d[i] ^= mask
			_, err := Verify(d, p.roots, VerifyOptions{})
			var ve *VerifyError
			if !errors.As(err, &ve) {
				t.Fatalf("flip %#02x at byte %d of %d: Verify = %v, want a *VerifyError", mask, i, len(der), err)
			}
			counts[ve.Check]++
		}
	}
	t.Logf("%d bytes, failed checks: %v", len(der), counts)
}

func TestVerifyTruncated(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	der, _ := p.signed(t, ContentConsignment)
	for n := range len(der) {
		_, err := Verify(der[:n], p.roots, VerifyOptions{})
		wantCheck(t, err, CheckCMS)
	}
	_, err := Verify(append(bytes.Clone(der), 0), p.roots, VerifyOptions{})
	wantCheck(t, err, CheckCMS)
}

func TestVerifyNotEvidence(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	doc := mustMarshal(t, sample(SubmissionAcceptance, p.seal.Raw))
	for name, in := range map[string][]byte{
		"empty":       nil,
		"XML":         doc,
		"certificate": p.seal.Raw,
		"PEM":         []byte("-----BEGIN PKCS7-----\nMAA=\n-----END PKCS7-----\n"),
		"random":      randomBytes(t, 3000),
		"huge":        make([]byte, MaxFile+1),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Verify(in, p.roots, VerifyOptions{})
			wantCheck(t, err, CheckCMS)
		})
	}
}

func randomBytes(t *testing.T, n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// TestVerifyExpiredSeal: years later the seal certificate has expired, but the
// time-stamp shows it signed while valid, so the evidence still verifies.
func TestVerifyExpiredSeal(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Siegel Test", signTime.Add(-time.Hour), signTime.Add(time.Hour))
	der, _ := p.signed(t, ContentHandover)
	if _, err := p.seal.Verify(x509.VerifyOptions{Roots: p.roots, Intermediates: pool(p.inter)}); err == nil {
		t.Fatal("the seal certificate is still valid today; the test proves nothing")
	}
	v, err := Verify(der, p.roots, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !v.TimestampTime.Equal(signTime) {
		t.Fatalf("TimestampTime %v", v.TimestampTime)
	}
}

// TestVerifyStampAfterExpiry: a time-stamp from after the seal expired does
// not make the evidence valid.
func TestVerifyStampAfterExpiry(t *testing.T) {
	t.Parallel()
	p := newPKI(t, "Siegel Test", signTime.Add(-time.Hour), signTime.Add(time.Minute))
	doc := mustMarshal(t, sample(ContentConsignment, p.seal.Raw))
	der := assembleWith(t, p, doc, signTime, p.tsaAt(signTime.Add(2*time.Minute)))
	_, err := Verify(der, p.roots, VerifyOptions{})
	wantCheck(t, err, CheckChain)
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestVerifyOtherRoot(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	other := newPKI(t, "Mallory", signTime.AddDate(0, -1, 0), signTime.AddDate(0, 1, 0))
	der, _ := p.signed(t, SubmissionAcceptance)
	// The TSA is trusted, the seal's root is not.
	_, err := Verify(der, other.roots, VerifyOptions{TSARoots: p.roots})
	wantCheck(t, err, CheckChain)
	// Neither is trusted: the time-stamp is checked first.
	_, err = Verify(der, other.roots, VerifyOptions{})
	wantCheck(t, err, CheckTimestampChain)
	// A seal from another authority, time-stamped by ours.
	doc := mustMarshal(t, sample(SubmissionAcceptance, other.seal.Raw))
	der, err = Sign(context.Background(), doc, other.signer, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Verify(der, p.roots, VerifyOptions{})
	wantCheck(t, err, CheckChain)
}

// TestVerifyTSACertificate: the TSA certificate must have the critical,
// timeStamping-only extended key usage of RFC 3161 §2.3.
func TestVerifyTSACertificate(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	long := certSpec{cn: "Loose TSA", notBefore: p.tsa.NotBefore, notAfter: p.tsa.NotAfter}
	for name, spec := range map[string]certSpec{
		"not critical": func() certSpec { s := long; s.tsaLoose = true; return s }(),
		"seal usage":   long,
	} {
		t.Run(name, func(t *testing.T) {
			tsa := &digitorusTSA{cert: issue(t, spec, p.tsaKey.Public(), p.inter, p.interKey), key: p.tsaKey,
				chain: []*x509.Certificate{p.inter}, now: func() time.Time { return signTime }}
			doc := mustMarshal(t, sample(SubmissionAcceptance, p.seal.Raw))
			der, err := Sign(context.Background(), doc, p.signer, tsa, signTime)
			if err != nil {
				t.Fatal(err)
			}
			_, err = Verify(der, p.roots, VerifyOptions{})
			wantCheck(t, err, CheckTimestampChain)
		})
	}
}

// assembleWith signs doc at signedAt the way Sign does, but without Sign's
// refusals, so tests can build files Sign would never write.
func assembleWith(t *testing.T, p *testPKI, doc []byte, signedAt time.Time, ts Timestamper) []byte {
	t.Helper()
	sig, err := p.signer.cms.Sign(rand.Reader, cms.OIDData(), doc, signedAt)
	if err != nil {
		t.Fatal(err)
	}
	imprint := sha256.Sum256(sig.Value)
	token, err := ts.Timestamp(context.Background(), imprint[:])
	if err != nil {
		t.Fatal(err)
	}
	der, err := sig.Marshal(cms.Attribute{Type: cms.OIDTimeStampToken(), Value: token})
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func TestVerifyBuiltFiles(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	other := stdPKI(t)
	doc := mustMarshal(t, sample(ContentConsignment, p.seal.Raw))
	tsa := p.tsaAt(signTime)
	tests := []struct {
		name  string
		der   []byte
		opts  VerifyOptions
		check string
	}{
		{"as Sign writes it", assembleWith(t, p, doc, signTime, tsa), VerifyOptions{}, ""},
		{"token over another signature", assembleWith(t, p, doc, signTime, funcTSA(func(ctx context.Context, _ []byte) ([]byte, error) {
			return tsa.Timestamp(ctx, make([]byte, 32))
		})), VerifyOptions{}, CheckTimestampImprint},
		{"signed an hour after the time-stamp", assembleWith(t, p, doc, signTime.Add(time.Hour), tsa), VerifyOptions{}, CheckSigningTime},
		{"signed a minute after the time-stamp", assembleWith(t, p, doc, signTime.Add(time.Minute), tsa), VerifyOptions{}, ""},
		{"a minute is too much skew here", assembleWith(t, p, doc, signTime.Add(time.Minute), tsa), VerifyOptions{MaxSkew: time.Second}, CheckSigningTime},
		{"not evidence", assembleWith(t, p, []byte("<Evidence/>"), signTime, tsa), VerifyOptions{}, CheckContent},
		{"names another issuer", assembleWith(t, p, mustMarshal(t, sample(ContentConsignment, other.seal.Raw)), signTime, tsa), VerifyOptions{}, CheckIssuer},
		{"signing time in 2051", assembleWith(t, p, doc, time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC), tsa), VerifyOptions{}, CheckSigningTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Verify(tt.der, p.roots, tt.opts)
			if tt.check == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCheck(t, err, tt.check)
		})
	}
}

func TestVerifyNoRoots(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	der, _ := p.signed(t, ContentConsignment)
	_, err := Verify(der, nil, VerifyOptions{})
	wantCheck(t, err, CheckChain)
}
