package evidence

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

func TestSignVerifyEachEvent(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	for _, ev := range allEvents() {
		t.Run(ev.Name(), func(t *testing.T) {
			der, doc := p.signed(t, ev)
			v, err := Verify(der, p.roots, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(v.Content, doc) {
				t.Errorf("Content differs from the signed document")
			}
			if !equalEvidence(v.Evidence, sample(ev, p.seal.Raw)) {
				t.Errorf("Evidence = %+v", v.Evidence)
			}
			if !v.Signer.Equal(p.seal) || !v.TSA.Equal(p.tsa) {
				t.Errorf("Signer %s, TSA %s", v.Signer.Subject, v.TSA.Subject)
			}
			if !v.SigningTime.Equal(signTime) || !v.TimestampTime.Equal(signTime) {
				t.Errorf("SigningTime %v, TimestampTime %v, want %v", v.SigningTime, v.TimestampTime, signTime)
			}
		})
	}
}

// TestSignCrossCheckPKCS7 reads our files with another CMS implementation,
// github.com/digitorus/pkcs7: content, signer, signature and chain.
func TestSignCrossCheckPKCS7(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	der, doc := p.signed(t, ContentHandover)
	p7, err := pkcs7.Parse(der)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(p7.Content, doc) {
		t.Fatal("pkcs7 sees other content")
	}
	if s := p7.GetOnlySigner(); s == nil || !s.Equal(p.seal) {
		t.Fatalf("pkcs7 signer %v", s)
	}
	if err := p7.VerifyWithChainAtTime(p.roots, signTime); err != nil {
		t.Fatalf("pkcs7 verify: %v", err)
	}
	var st time.Time
	if err := p7.UnmarshalSignedAttribute(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}, &st); err != nil || !st.Equal(signTime) {
		t.Fatalf("signing-time %v, %v", st, err)
	}
	// The time-stamp token, read by github.com/digitorus/timestamp.
	sig, token, _ := fileParts(t, der)
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if want := sha256.Sum256(sig); !bytes.Equal(ts.HashedMessage, want[:]) || !ts.Time.Equal(signTime) {
		t.Fatalf("token over %x at %v", ts.HashedMessage, ts.Time)
	}
}

func TestSignRefuses(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	other := stdPKI(t)
	ctx := context.Background()
	doc := mustMarshal(t, sample(SubmissionAcceptance, p.seal.Raw))
	good := p.tsaAt(signTime)
	tests := []struct {
		name string
		doc  []byte
		s    Signer
		ts   Timestamper
		now  time.Time
		want string
	}{
		{"not evidence", []byte("<x/>"), p.signer, good, signTime, "the document"},
		{"issuer is another seal", doc, other.signer, other.tsaAt(signTime), signTime, "issuer certificate"},
		{"seal not yet valid", doc, p.signer, p.tsaAt(signTime.AddDate(-1, 0, 0)), signTime.AddDate(-1, 0, 0), "valid from"},
		{"seal expired", doc, p.signer, p.tsaAt(signTime.AddDate(1, 0, 0)), signTime.AddDate(1, 0, 0), "valid from"},
		{"TSA fails", doc, p.signer, funcTSA(func(context.Context, []byte) ([]byte, error) { return nil, errors.New("down") }), signTime, "down"},
		{"TSA stamps another digest", doc, p.signer, funcTSA(func(ctx context.Context, d []byte) ([]byte, error) {
			return good.Timestamp(ctx, make([]byte, 32))
		}), signTime, "message imprint"},
		{"TSA returns junk", doc, p.signer, funcTSA(func(context.Context, []byte) ([]byte, error) { return []byte{0x30, 0}, nil }), signTime, "not SignedData"},
		{"TSA token with trailing bytes", doc, p.signer, funcTSA(func(ctx context.Context, d []byte) ([]byte, error) {
			tok, err := good.Timestamp(ctx, d)
			return append(tok, 0), err
		}), signTime, "not one DER ContentInfo"},
		{"TSA clock far behind", doc, p.signer, p.tsaAt(signTime.Add(-time.Hour)), signTime, "before the signing time"},
		{"token without certificates", doc, p.signer, funcTSA(func(_ context.Context, d []byte) ([]byte, error) {
			ts := timestamp.Timestamp{HashAlgorithm: crypto.SHA256, HashedMessage: d, Time: signTime, Policy: asn1.ObjectIdentifier{1, 2, 3}}
			resp, err := ts.CreateResponseWithOpts(p.tsa, p.tsaKey, crypto.SHA256)
			if err != nil {
				return nil, err
			}
			return tokenOfResponse(resp)
		}), signTime, "no certificates"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Sign(ctx, tt.doc, tt.s, tt.ts, tt.now)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Sign = %v, want an error with %q", err, tt.want)
			}
		})
	}
}

func TestNewKeySignerRefuses(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	other := stdPKI(t)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p384, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		key   crypto.Signer
		cert  *x509.Certificate
		chain []*x509.Certificate
		want  string
	}{
		{"RSA", rsaKey, p.seal, nil, "ECDSA P-256"},
		{"P-384", p384, p.seal, nil, "ECDSA P-256"},
		{"key of another certificate", other.sealKey, p.seal, nil, "does not match"},
		{"chain of another authority", p.sealKey, p.seal, []*x509.Certificate{other.inter}, "did not issue"},
		{"no certificate", p.sealKey, nil, nil, "required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewKeySigner(tt.key, tt.cert, tt.chain)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewKeySigner = %v, want %q", err, tt.want)
			}
		})
	}
}

// hsmSigner is a Signer that is not a KeySigner, as a PKCS#11 signer would
// be; it also proves Sign never needs more than crypto.Signer of the key.
type hsmSigner struct {
	key   crypto.Signer
	cert  *x509.Certificate
	chain []*x509.Certificate
	calls int
}

func (h *hsmSigner) Public() crypto.PublicKey { return h.key.Public() }
func (h *hsmSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	h.calls++
	return h.key.Sign(r, d, o)
}
func (h *hsmSigner) Certificate() *x509.Certificate { return h.cert }
func (h *hsmSigner) Chain() []*x509.Certificate     { return h.chain }

// opaqueKey hides the concrete key type behind crypto.Signer.
type opaqueKey struct{ crypto.Signer }

func TestSignWithOtherSigner(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	h := &hsmSigner{key: opaqueKey{p.sealKey}, cert: p.seal, chain: []*x509.Certificate{p.inter}}
	doc := mustMarshal(t, sample(ContentConsignment, p.seal.Raw))
	der, err := Sign(context.Background(), doc, h, p.tsaAt(signTime), signTime)
	if err != nil {
		t.Fatal(err)
	}
	if h.calls != 1 {
		t.Errorf("the key signed %d times, want 1", h.calls)
	}
	if _, err := Verify(der, p.roots, VerifyOptions{}); err != nil {
		t.Fatal(err)
	}
	// The same file as a KeySigner makes, apart from the signature value and the token.
	ks, _ := p.signed(t, ContentConsignment)
	if len(ks) < len(der)-8 || len(ks) > len(der)+8 {
		t.Errorf("lengths %d and %d differ by more than signature and token jitter", len(ks), len(der))
	}
	h.key = rawSigner{p.sealKey} // r‖s, as PKCS#11 returns it
	if _, err := Sign(context.Background(), doc, h, p.tsaAt(signTime), signTime); err == nil || !strings.Contains(err.Error(), "not an ASN.1 ECDSA signature") {
		t.Fatalf("Sign = %v, want a refusal of an r‖s signature", err)
	}
	h.key = opaqueKey{other384(t)}
	if _, err := Sign(context.Background(), doc, h, p.tsaAt(signTime), signTime); err == nil {
		t.Fatal("Sign accepted a P-384 key")
	}
}

// rawSigner returns ECDSA signatures as r‖s, the PKCS#11 form.
type rawSigner struct{ key *ecdsa.PrivateKey }

func (r rawSigner) Public() crypto.PublicKey { return r.key.Public() }
func (r rawSigner) Sign(rnd io.Reader, d []byte, _ crypto.SignerOpts) ([]byte, error) {
	x, y, err := ecdsa.Sign(rnd, r.key, d)
	if err != nil {
		return nil, err
	}
	return append(x.FillBytes(make([]byte, 32)), y.FillBytes(make([]byte, 32))...), nil
}

func other384(t *testing.T) crypto.Signer {
	k, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
