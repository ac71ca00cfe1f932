package cms

import (
	"crypto/rand"
	"testing"
)

// The costs on a provider's signing path (BenchmarkSignEvidence in
// internal/evidence is the whole of it) and a relying party's.

func BenchmarkSign(b *testing.B) {
	p := newPKI(b, "Bench")
	s := p.seal(b)
	doc := make([]byte, 3000)
	token := p.token(b, digestOf("x"))
	b.ReportAllocs()
	for b.Loop() {
		sig, err := s.Sign(rand.Reader, OIDData(), doc, t0)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := sig.Marshal(Attribute{OIDTimeStampToken(), token}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseToken is what a signer pays to see that a token answers it.
func BenchmarkParseToken(b *testing.B) {
	p := newPKI(b, "Bench")
	d := digestOf("x")
	token := p.token(b, d)
	b.ReportAllocs()
	for b.Loop() {
		tok, err := ParseToken(token)
		if err != nil {
			b.Fatal(err)
		}
		if err := tok.CheckImprint(d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyToken(b *testing.B) {
	p := newPKI(b, "Bench")
	d := digestOf("x")
	token := p.token(b, d)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyToken(token, d, p.roots); err != nil {
			b.Fatal(err)
		}
	}
}
