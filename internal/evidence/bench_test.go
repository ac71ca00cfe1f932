package evidence

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"math/big"
	"strconv"
	"testing"
	"time"

	"github.com/digitorus/timestamp"
)

// fastTSA is an in-process RFC 3161 time-stamping authority for the
// benchmark, ECDSA P-256 like the authority's: like KeySigner it encodes its
// certificates once, so a token costs one signature and a few hundred bytes
// of DER. TestFastTSA checks its tokens with github.com/digitorus/timestamp
// and with Verify.
type fastTSA struct {
	key    crypto.Signer
	parts  *signerParts
	now    func() time.Time
	serial int64
}

func newFastTSA(p *testPKI, now func() time.Time) *fastTSA {
	return &fastTSA{key: p.tsaKey, parts: newSignerParts(p.tsa, []*x509.Certificate{p.inter}), now: now}
}

func (a *fastTSA) Timestamp(_ context.Context, digest []byte) ([]byte, error) {
	a.serial++
	// TSTInfo (RFC 3161 §2.4.2): version, policy, messageImprint, serialNumber, genTime.
	const policy = "\x2b\x06\x01\x04\x01\x86\x8d\x1f\x01" // 1.3.6.1.4.1.99999.1
	serial := big.NewInt(a.serial).Bytes()
	if serial[0]&0x80 != 0 {
		serial = append([]byte{0}, serial...) // DER INTEGER: positive needs a leading zero
	}
	genTime := a.now().UTC().AppendFormat(make([]byte, 0, 15), "20060102150405Z")
	imprint := len(derAlgSHA256) + tlvSize(len(digest))
	n := len(derVersion1) + tlvSize(len(policy)) + tlvSize(imprint) + tlvSize(len(serial)) + tlvSize(len(genTime))
	tst := appendHeader(make([]byte, 0, tlvSize(n)), tagSequence, n)
	tst = append(tst, derVersion1...)
	tst = appendOID(tst, policy)
	tst = appendHeader(tst, tagSequence, imprint)
	tst = append(tst, derAlgSHA256...)
	tst = appendTLV(tst, tagOctetString, digest)
	tst = appendTLV(tst, tagInteger, serial)
	tst = appendTLV(tst, tagGenTime, genTime)

	md := sha256.Sum256(tst)
	attrs := derSet([][]byte{
		attribute(oidContentType, appendOID(nil, oidTSTInfo)),
		attribute(oidMessageDigest, appendTLV(nil, tagOctetString, md[:])),
		a.parts.essAttr,
	})
	h := sha256.Sum256(attrs)
	sig, err := a.key.Sign(rand.Reader, h[:], crypto.SHA256)
	if err != nil {
		return nil, err
	}
	body := setContents(attrs)
	si := len(derVersion1) + len(a.parts.sid) + len(derAlgSHA256) + tlvSize(len(body)) + len(derAlgECDSA) + tlvSize(len(sig))
	encap := tlvSize(len(oidTSTInfo)) + tlvSize(tlvSize(len(tst)))
	sd := len(derVersion1) + tlvSize(len(derAlgSHA256)) + tlvSize(encap) + len(a.parts.certificates) + tlvSize(tlvSize(si))
	ci := tlvSize(len(oidSignedData)) + tlvSize(tlvSize(sd))
	b := appendHeader(make([]byte, 0, tlvSize(ci)), tagSequence, ci)
	b = appendOID(b, oidSignedData)
	b = appendHeader(b, tagContext0, tlvSize(sd))
	b = appendHeader(b, tagSequence, sd)
	b = append(b, "\x02\x01\x03"...) // version 3: the content is not id-data
	b = appendHeader(b, tagSet, len(derAlgSHA256))
	b = append(b, derAlgSHA256...)
	b = appendHeader(b, tagSequence, encap)
	b = appendOID(b, oidTSTInfo)
	b = appendHeader(b, tagContext0, tlvSize(len(tst)))
	b = appendTLV(b, tagOctetString, tst)
	b = append(b, a.parts.certificates...)
	b = appendHeader(b, tagSet, tlvSize(si))
	b = appendHeader(b, tagSequence, si)
	b = append(b, derVersion1...)
	b = append(b, a.parts.sid...)
	b = append(b, derAlgSHA256...)
	b = appendTLV(b, tagContext0, body)
	b = append(b, derAlgECDSA...)
	b = appendTLV(b, tagOctetString, sig)
	return b, nil
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
