package evidence

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/digitorus/timestamp"

	"github.com/siegel-mail/siegel/internal/cms"
)

// fastTSA is an in-process RFC 3161 time-stamping authority for the
// benchmark, ECDSA P-256 like the authority's, written with internal/cms as
// internal/pki's TSA is, but with the intermediate in its tokens as the test
// PKI needs. TestFastTSA checks its tokens with github.com/digitorus/timestamp
// and with Verify.
type fastTSA struct {
	signer *cms.Signer
	now    func() time.Time
	serial int64
}

func newFastTSA(p *testPKI, now func() time.Time) *fastTSA {
	s, err := cms.NewSigner(p.tsaKey, p.tsa, []*x509.Certificate{p.tsa, p.inter}, cms.SigningCertificateV2(p.tsa))
	if err != nil {
		panic(err) // the test PKI's own certificates
	}
	return &fastTSA{signer: s, now: now}
}

func (a *fastTSA) Timestamp(_ context.Context, digest []byte) ([]byte, error) {
	a.serial++
	now := a.now()
	tst, err := cms.MarshalTSTInfo(&cms.TSTInfo{
		Policy:        asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
		HashAlgorithm: crypto.SHA256, HashedMessage: digest,
		SerialNumber: big.NewInt(a.serial), GenTime: now,
	})
	if err != nil {
		return nil, err
	}
	sig, err := a.signer.Sign(rand.Reader, cms.OIDTSTInfo(), tst, now)
	if err != nil {
		return nil, err
	}
	return sig.Marshal()
}

func TestFastTSA(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	tsa := newFastTSA(p, func() time.Time { return signTime })
	digest := sha256.Sum256([]byte("x"))
	tok, err := tsa.Timestamp(context.Background(), digest[:])
	if err != nil {
		t.Fatal(err)
	}
	ts, err := timestamp.Parse(tok)
	if err != nil {
		t.Fatalf("digitorus/timestamp refuses the token: %v", err)
	}
	if !ts.Time.Equal(signTime) || string(ts.HashedMessage) != string(digest[:]) {
		t.Fatalf("token at %v over %x", ts.Time, ts.HashedMessage)
	}
	doc := mustMarshal(t, sample(ContentConsignment, p.seal.Raw))
	der, err := Sign(context.Background(), doc, p.signer, tsa, signTime)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Verify(der, p.roots, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkSignEvidence: evidence documents marshalled, signed and
// time-stamped per second, with the in-process fastTSA. Each document has its
// own identifier. Two ECDSA P-256 signatures per document (seal and TSA).
func BenchmarkSignEvidence(b *testing.B) {
	p := stdPKI(b)
	benchSign(b, p, newFastTSA(p, func() time.Time { return signTime }))
}

// BenchmarkSignEvidenceDigitorusTSA is the same with a TSA made with
// github.com/digitorus/timestamp: what an unoptimised TSA costs.
func BenchmarkSignEvidenceDigitorusTSA(b *testing.B) {
	p := stdPKI(b)
	benchSign(b, p, p.tsaAt(signTime))
}

func benchSign(b *testing.B, p *testPKI, tsa Timestamper) {
	e := sample(ContentConsignment, p.seal.Raw)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		e.ID = "ev-" + strconv.Itoa(n)
		if _, err := SignEvidence(ctx, e, p.signer, tsa, signTime); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkSignDocument is Marshal and Sign, which parses the document
// again: the cost of signing a document that comes from elsewhere.
func BenchmarkSignDocument(b *testing.B) {
	p := stdPKI(b)
	tsa := newFastTSA(p, func() time.Time { return signTime })
	e := sample(ContentConsignment, p.seal.Raw)
	ctx := context.Background()
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		n++
		e.ID = "ev-" + strconv.Itoa(n)
		doc, err := Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Sign(ctx, doc, p.signer, tsa, signTime); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "docs/s")
}

func BenchmarkVerifyEvidence(b *testing.B) {
	p := stdPKI(b)
	der, _ := p.signed(b, ContentHandover)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Verify(der, p.roots, VerifyOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkMarshal(b *testing.B) {
	e := sample(ContentHandoverFailure, make([]byte, 480))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Marshal(e); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	doc := mustMarshal(b, sample(ContentHandoverFailure, make([]byte, 480)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPeerTwoSignatures is the peer BenchmarkSignEvidence is compared
// with in the same run: two bare ECDSA P-256 signatures over SHA-256, the
// floor of a signed and time-stamped document (the seal's and the TSA's).
func BenchmarkPeerTwoSignatures(b *testing.B) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	digest := sha256.Sum256([]byte("evidence"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for range 2 {
			if _, err := ecdsa.SignASN1(rand.Reader, key, digest[:]); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "docs/s")
}

// BenchmarkComposeConfirmation: confirmation messages composed per second:
// the evidence XML, its PDF rendering, the bilingual text, the check of the
// evidence file against the XML, the MIME structure, and the detached seal
// signature with its time-stamp (two ECDSA P-256 signatures). It measures
// ComposeConfirmation alone: the evidence file it carries is signed once,
// before the loop, so the evidence keeps one identifier (nothing caches by
// it, so every iteration does the whole work); signing it is
// BenchmarkSignEvidence, and a provider pays both for each event.
func BenchmarkComposeConfirmation(b *testing.B) {
	p := stdPKI(b)
	tsa := newFastTSA(p, func() time.Time { return signTime })
	ctx := context.Background()
	ev := sample(ContentConsignment, p.seal.Raw)
	file, err := SignEvidence(ctx, ev, p.signer, tsa, signTime)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := ComposeConfirmation(ctx, &Confirmation{Evidence: ev, MessageID: "m" + strconv.Itoa(i),
			Subject: "Grundsteuerbescheid 2027", Date: signTime, File: file}, p.signer, tsa, signTime); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRenderPDF: the PDF rendering alone.
func BenchmarkRenderPDF(b *testing.B) {
	p := stdPKI(b)
	ev := sample(ContentConsignment, p.seal.Raw)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := RenderPDF(ev); err != nil {
			b.Fatal(err)
		}
	}
}
