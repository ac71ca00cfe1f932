package pki

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/cms"
)

func newLoopbackListener() (net.Listener, error) { return net.Listen("tcp", "127.0.0.1:0") }

// newTSA is an authority's TSA on a fake clock standing at now.
func newTSA(t testing.TB, now time.Time) (*Authority, *clock.Fake) {
	t.Helper()
	a := newAuthority(t, "Testbehörde", t0)
	c := clock.NewFake(now)
	a.TSA.Clock = c
	return a, c
}

func digestOf(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

func TestTimestampRoundTrip(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0.Add(time.Hour+700*time.Millisecond))
	d := digestOf("Eingangsbestätigung")
	token, err := a.TSA.Timestamp(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	info, err := VerifyTimestampToken(token, d, rootPool(a.Root))
	if err != nil {
		t.Fatalf("VerifyTimestampToken: %v", err)
	}
	if want := t0.Add(time.Hour); !info.GenTime.Equal(want) {
		t.Errorf("genTime %v, want the injected clock's %v (whole seconds)", info.GenTime, want)
	}
	if !info.Policy.Equal(OIDTSAPolicy()) || !info.TSA.Equal(a.TSA.Cert) || info.Serial.Sign() <= 0 || info.Nonce != nil {
		t.Errorf("info %+v", info)
	}
	if g, err := VerifyTimestamp(token, d, rootPool(a.Root)); err != nil || !g.Equal(info.GenTime) {
		t.Errorf("VerifyTimestamp: %v %v", g, err)
	}

	// Independent readers agree: the timestamp library (which verifies the
	// signature with pkcs7) sees the same facts.
	ts, err := timestamp.Parse(token)
	if err != nil {
		t.Fatalf("timestamp.Parse: %v", err)
	}
	if ts.HashAlgorithm != crypto.SHA256 || !bytes.Equal(ts.HashedMessage, d) || !ts.Time.Equal(info.GenTime) ||
		!ts.Policy.Equal(OIDTSAPolicy()) || ts.SerialNumber.Cmp(info.Serial) != 0 || ts.Accuracy != time.Second || !ts.AddTSACertificate {
		t.Errorf("timestamp.Parse sees %+v", ts)
	}
	p7, err := pkcs7.Parse(token)
	if err != nil {
		t.Fatal(err)
	}
	if err := p7.VerifyWithChainAtTime(rootPool(a.Root), info.GenTime); err != nil {
		t.Errorf("pkcs7 chain at genTime: %v", err)
	}
}

func TestTimestampSerialsAreUnique(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0)
	seen := map[string]bool{}
	d := digestOf("x")
	for range 300 {
		token, err := a.TSA.Timestamp(t.Context(), d)
		if err != nil {
			t.Fatal(err)
		}
		info, err := VerifyTimestampToken(token, d, rootPool(a.Root))
		if err != nil {
			t.Fatal(err)
		}
		s := info.Serial.String()
		if seen[s] {
			t.Fatalf("serial %s issued twice", s)
		}
		seen[s] = true
	}
}

func TestTimestampConcurrently(t *testing.T) {
	t.Parallel()
	a, c := newTSA(t, t0)
	d := digestOf("x")
	var mu sync.Mutex
	seen := map[string]bool{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				c.Advance(time.Second)
				token, err := a.TSA.Timestamp(t.Context(), d)
				if err != nil {
					t.Error(err)
					return
				}
				info, err := VerifyTimestampToken(token, d, rootPool(a.Root))
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[info.Serial.String()] {
					t.Errorf("serial %v twice", info.Serial)
				}
				seen[info.Serial.String()] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
}

func TestTimestampTamper(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0.Add(time.Hour))
	other, _ := newTSA(t, t0.Add(time.Hour))
	d := digestOf("Abholbestätigung")
	token, err := a.TSA.Timestamp(t.Context(), d)
	if err != nil {
		t.Fatal(err)
	}
	genTime := bytes.Index(token, []byte("20270302100000Z"))
	if genTime < 0 {
		t.Fatal("genTime not found in the token")
	}
	otherToken, _ := other.TSA.Timestamp(t.Context(), d)
	tok, err := cms.ParseToken(token)
	if err != nil {
		t.Fatal(err)
	}
	// Tokens made by hand over the same TSTInfo.
	info := tok.SignedData.Content
	tsaCert := []*x509.Certificate{a.TSA.Cert}
	tsaESS := cms.SigningCertificateV2(a.TSA.Cert)
	signerESS := cms.SigningCertificateV2(a.Signer)
	// Signed by the trust-list signer, with a signing-certificate attribute
	// for its own certificate: chains to the root, but is no TSA.
	bySigner := signAs(t, cms.OIDTSTInfo(), info, a.Signer, a.signerKey, []*x509.Certificate{a.Signer}, signerESS)
	// Signed by the TSA, but the attribute names the signer's certificate.
	key := tsaKey(t, a)
	wrongESS := signAs(t, cms.OIDTSTInfo(), info, a.TSA.Cert, key, tsaCert, signerESS)
	noESS := signAs(t, cms.OIDTSTInfo(), info, a.TSA.Cert, key, tsaCert)
	notTST := signAs(t, OIDTrustList(), info, a.TSA.Cert, key, tsaCert, tsaESS)
	noCert := signAs(t, cms.OIDTSTInfo(), info, a.TSA.Cert, key, nil, tsaESS)

	for _, c := range []struct {
		name   string
		token  []byte
		digest []byte
		want   error
	}{
		{"another digest", token, digestOf("something else"), ErrImprint},
		{"genTime changed", flip(token, genTime+9), d, ErrSignature},
		{"signature changed", flip(token, len(token)-1), d, ErrSignature},
		{"from another authority's TSA", otherToken, d, ErrChain},
		{"signed by the trust-list signer", bySigner, d, ErrSignerRole},
		{"signing-certificate names another certificate", wrongESS, d, ErrSignerRole},
		{"no signing-certificate attribute", noESS, d, ErrFormat},
		{"not a TSTInfo", notTST, d, ErrFormat},
		{"no TSA certificate", noCert, d, ErrFormat},
		{"truncated", token[:len(token)-10], d, ErrFormat},
		{"garbage", []byte("token"), d, ErrFormat},
	} {
		_, err := VerifyTimestampToken(c.token, c.digest, rootPool(a.Root))
		if !errors.Is(err, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, err, c.want)
		} else if !strings.HasPrefix(err.Error(), "time stamp: "+c.want.Error()) {
			t.Errorf("%s: message %q does not name the check first", c.name, err)
		}
	}
	if _, err := VerifyTimestamp(token, d[:31], rootPool(a.Root)); err == nil {
		t.Error("accepted a digest of 31 bytes")
	}
	if _, err := VerifyTimestamp(token, d, nil); err == nil {
		t.Error("accepted without roots")
	}
}

// tsaKey is the key of the authority's TSA, from its folder: the TSA keeps
// it only inside its signers.
func tsaKey(t *testing.T, a *Authority) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ReadKeyPEM(filepath.Join(a.Dir, TSAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestTimestampRefuses(t *testing.T) {
	t.Parallel()
	a, c := newTSA(t, t0)
	if _, err := a.TSA.Timestamp(t.Context(), []byte("short")); err == nil || !strings.Contains(err.Error(), "SHA-256") {
		t.Errorf("short digest: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := a.TSA.Timestamp(ctx, digestOf("x")); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled context: %v", err)
	}
	// A token dated outside the TSA certificate would never verify.
	c.Set(a.TSA.Cert.NotAfter.Add(time.Hour))
	if _, err := a.TSA.Timestamp(t.Context(), digestOf("x")); err == nil {
		t.Error("stamped after the TSA certificate expired")
	}
	if _, err := NewTSA(a.Signer, a.signerKey, c); err == nil {
		t.Error("NewTSA accepted the trust-list signer's certificate")
	}
	if _, err := NewTSA(a.TSA.Cert, a.signerKey, c); err == nil {
		t.Error("NewTSA accepted a key of another certificate")
	}
}

func TestTSAOverHTTP(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0.Add(2*time.Hour))
	srv := newLoopbackServer(t, a.TSA.Handler())
	d := digestOf("über HTTP")
	for _, roots := range []bool{true, false} {
		h := &HTTPTimestamper{URL: srv.URL, Client: srv.Client()}
		if roots {
			h.Roots = rootPool(a.Root)
		}
		token, err := h.Timestamp(t.Context(), d)
		if err != nil {
			t.Fatalf("roots %v: %v", roots, err)
		}
		info, err := VerifyTimestampToken(token, d, rootPool(a.Root))
		if err != nil || !info.GenTime.Equal(t0.Add(2*time.Hour)) || info.Nonce == nil {
			t.Fatalf("token over HTTP: %v %+v", err, info)
		}
	}
	other := newAuthority(t, "Fremd", t0)
	h := &HTTPTimestamper{URL: srv.URL, Client: srv.Client(), Roots: rootPool(other.Root)}
	if _, err := h.Timestamp(t.Context(), d); !errors.Is(err, ErrChain) {
		t.Errorf("foreign roots: %v", err)
	}
	var _ Timestamper = h
}

func TestTSAHandlerRejects(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0)
	srv := newLoopbackServer(t, a.TSA.Handler())
	post := func(contentType string, body []byte) (*http.Response, []byte) {
		t.Helper()
		resp, err := srv.Client().Post(srv.URL, contentType, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		return resp, b.Bytes()
	}
	if resp, err := srv.Client().Get(srv.URL); err != nil || resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET: %v %v", resp.Status, err)
	}
	if resp, _ := post("application/octet-stream", []byte{0x30, 0}); resp.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("wrong media type: %s", resp.Status)
	}
	if resp, _ := post(TimestampQueryType, make([]byte, maxTimestampQuery+1)); resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("huge request: %s", resp.Status)
	}
	query := func(r timestamp.Request) []byte {
		b, err := r.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sha1 := make([]byte, 20)
	for _, c := range []struct {
		name string
		body []byte
		want string
	}{
		{"garbage", []byte("garbage"), "wrong format"},
		{"SHA-1", query(timestamp.Request{HashAlgorithm: crypto.SHA1, HashedMessage: sha1}), "Algorithm"},
		{"SHA-256 of the wrong length", query(timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: sha1}), "Algorithm"},
		{"another policy", query(timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digestOf("x"), TSAPolicyOID: oidArc(9)}), "policy"},
		{"an extension", query(timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digestOf("x"),
			ExtraExtensions: []pkix.Extension{{Id: oidArc(9, 9), Value: []byte{5, 0}}}}), "extension"},
	} {
		resp, body := post(TimestampQueryType, c.body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != TimestampReplyType {
			t.Errorf("%s: %s %q", c.name, resp.Status, resp.Header.Get("Content-Type"))
			continue
		}
		if _, err := timestamp.ParseResponse(body); err == nil || !strings.Contains(err.Error(), "rejected") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: reply reads %v, want a rejection with %q", c.name, err, c.want)
		}
	}
	// certReq false: the token must not carry the certificate (RFC 3161 §2.4.1).
	resp, body := post(TimestampQueryType, query(timestamp.Request{HashAlgorithm: crypto.SHA256, HashedMessage: digestOf("x")}))
	if resp.StatusCode != http.StatusOK {
		t.Fatal(resp.Status)
	}
	ts, err := timestamp.ParseResponse(body)
	if err != nil {
		t.Fatal(err)
	}
	if ts.AddTSACertificate || len(ts.Certificates) != 0 {
		t.Errorf("certReq false, yet the token holds %d certificates", len(ts.Certificates))
	}
}

func TestHTTPTimestamperChecksTheAnswer(t *testing.T) {
	t.Parallel()
	a, _ := newTSA(t, t0)
	d := digestOf("x")
	// A server that answers every request with one recorded reply: the
	// nonce gives the replay away.
	var recorded []byte
	replay := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", TimestampReplyType)
		w.Write(recorded)
	}))
	live := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var rec responseRecorder
		a.TSA.Handler().ServeHTTP(&rec, r)
		recorded = rec.body.Bytes()
		w.Header().Set("Content-Type", TimestampReplyType)
		w.Write(recorded)
	}))
	if _, err := (&HTTPTimestamper{URL: live.URL, Client: live.Client()}).Timestamp(t.Context(), d); err != nil {
		t.Fatal(err)
	}
	if _, err := (&HTTPTimestamper{URL: replay.URL, Client: replay.Client()}).Timestamp(t.Context(), d); !errors.Is(err, ErrContent) ||
		!strings.Contains(err.Error(), "nonce") {
		t.Errorf("replayed reply: %v", err)
	}
	if _, err := (&HTTPTimestamper{URL: replay.URL, Client: replay.Client()}).Timestamp(t.Context(), digestOf("y")); !errors.Is(err, ErrImprint) {
		t.Errorf("reply for another digest: %v", err)
	}
	broken := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	if _, err := (&HTTPTimestamper{URL: broken.URL, Client: broken.Client()}).Timestamp(t.Context(), d); err == nil ||
		!strings.Contains(err.Error(), "503") {
		t.Errorf("server error: %v", err)
	}
	if _, err := (&HTTPTimestamper{URL: broken.URL}).Timestamp(t.Context(), d[:5]); err == nil {
		t.Error("accepted a short digest")
	}
}

// responseRecorder is a minimal http.ResponseWriter.
type responseRecorder struct {
	h    http.Header
	body bytes.Buffer
}

func (r *responseRecorder) Header() http.Header {
	if r.h == nil {
		r.h = http.Header{}
	}
	return r.h
}
func (r *responseRecorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *responseRecorder) WriteHeader(int)             {}

// BenchmarkTimestamp measures the in-process TSA: tokens per second, one
// goroutine and all cores.
func BenchmarkTimestamp(b *testing.B) {
	a, _ := newTSA(b, t0)
	d := digestOf("benchmark")
	b.Run("serial", func(b *testing.B) {
		for b.Loop() {
			if _, err := a.TSA.Timestamp(context.Background(), d); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
	b.Run("parallel", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := a.TSA.Timestamp(context.Background(), d); err != nil {
					b.Error(err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
}

// BenchmarkVerifyTimestamp measures what a relying party pays per token.
func BenchmarkVerifyTimestamp(b *testing.B) {
	a, _ := newTSA(b, t0)
	d := digestOf("benchmark")
	token, err := a.TSA.Timestamp(context.Background(), d)
	if err != nil {
		b.Fatal(err)
	}
	roots := rootPool(a.Root)
	for b.Loop() {
		if _, err := VerifyTimestamp(token, d, roots); err != nil {
			b.Fatal(err)
		}
	}
}
