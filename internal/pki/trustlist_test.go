package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pkcs7"

	"github.com/siegel-mail/siegel/internal/cms"
)

// listFixture is an authority with two providers, one with its endpoints
// recorded, and a third revoked, and a list it signed at t0.
type listFixture struct {
	a    *Authority
	der  []byte
	list *TrustList
	p1   *Issued
	p2   *Issued // accredited with endpoints
	gone *Issued // revoked
}

func newListFixture(t testing.TB, now time.Time) *listFixture {
	t.Helper()
	a := newAuthority(t, "Testbehörde", now)
	f := &listFixture{a: a}
	f.p1 = issueProvider(t, a, "anbieter-b.example", "Anbieter B & Söhne", now)
	f.p2 = issueProvider(t, a, "anbieter-a.example", "Anbieter A GmbH", now)
	f.gone = issueProvider(t, a, "anbieter-c.example", "Anbieter C", now)
	var err error
	if _, err = a.Accredit("anbieter-a.example", smtpA, apiA, nil, nil, now); err != nil {
		t.Fatalf("Accredit: %v", err)
	}
	if _, err = a.Revoke("anbieter-c.example", "Akkreditierung entzogen", now); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if f.der, f.list, err = a.SignTrustList(now, DefaultTrustListValidity); err != nil {
		t.Fatalf("SignTrustList: %v", err)
	}
	return f
}

func TestTrustListRoundTrip(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	l, err := ParseTrustList(f.der, f.a.Root, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("ParseTrustList: %v", err)
	}
	if l.Issuer != "Testbehörde" || l.Sequence != 1 || !l.Issued.Equal(t0) || !l.NextUpdate.Equal(t0.Add(24*time.Hour)) {
		t.Errorf("list header: %q no. %d %v–%v", l.Issuer, l.Sequence, l.Issued, l.NextUpdate)
	}
	if got := l.Domains(); !slices.Equal(got, []string{"anbieter-a.example", "anbieter-b.example"}) {
		t.Errorf("domains %v", got)
	}
	for _, is := range []*Issued{f.p1, f.p2} {
		p, ok := l.Lookup(strings.ToUpper(is.Domain))
		if !ok || p.Name != is.Name || !p.Seal.Equal(is.Seal) || !p.TLS.Equal(is.TLS) {
			t.Errorf("Lookup(%s) = %+v, %v", is.Domain, p, ok)
		}
	}
	if _, ok := l.Lookup("unknown.example"); ok {
		t.Error("Lookup found an unknown domain")
	}
	if !l.Signer.Equal(f.a.Signer) {
		t.Error("Signer is not the authority's trust-list signer")
	}

	// An independent CMS implementation agrees, and the content is the
	// documented JSON.
	p7, err := pkcs7.Parse(f.der)
	if err != nil {
		t.Fatalf("pkcs7.Parse: %v", err)
	}
	if err := p7.Verify(); err != nil {
		t.Fatalf("pkcs7 Verify: %v", err)
	}
	if s := p7.GetOnlySigner(); s == nil || !s.Equal(f.a.Signer) {
		t.Fatal("pkcs7 sees another signer")
	}
	var doc map[string]any
	if err := json.Unmarshal(p7.Content, &doc); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"version", "issuer", "sequence", "issued", "next_update", "providers", "revoked"} {
		if _, ok := doc[k]; !ok {
			t.Errorf("content lacks %q", k)
		}
	}
	if doc["version"] != float64(2) {
		t.Errorf("version %v, want 2", doc["version"])
	}
	for _, want := range []string{`"smtp": "` + smtpA + `"`, `"api": "` + apiA + `"`, `"smtp": ""`,
		`"seal_cert_sha256": "` + CertSHA256(f.gone.Seal) + `"`, `"tls_cert_sha256": "` + CertSHA256(f.gone.TLS) + `"`,
		`"revoked_at": "2027-03-02T09:00:00Z"`, `"reason": "Akkreditierung entzogen"`} {
		if !bytes.Contains(p7.Content, []byte(want)) {
			t.Errorf("content lacks %s:\n%s", want, p7.Content)
		}
	}
	if p, _ := l.Lookup("anbieter-a.example"); p.SMTP != smtpA || p.API != apiA {
		t.Errorf("endpoints %q %q", p.SMTP, p.API)
	}
	if p, _ := l.Lookup("anbieter-b.example"); p.SMTP != "" || p.API != "" {
		t.Errorf("endpoints of a provider without: %q %q", p.SMTP, p.API)
	}
	if _, ok := l.Lookup("anbieter-c.example"); ok || len(l.Revoked) != 1 || l.Revoked[0].Domain != "anbieter-c.example" {
		t.Errorf("revoked provider: %+v", l.Revoked)
	}
	if !bytes.Contains(p7.Content, []byte(`"Anbieter B & Söhne"`)) {
		t.Errorf("names are escaped in the content:\n%s", p7.Content)
	}
}

func TestTrustListSequenceIncreases(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	var last uint64
	for i := range 3 {
		_, l, err := a.SignTrustList(t0.Add(time.Duration(i)*time.Minute), time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if l.Sequence != last+1 {
			t.Fatalf("list %d has sequence %d after %d", i, l.Sequence, last)
		}
		last = l.Sequence
		if len(l.Providers) != 0 {
			t.Fatalf("empty registry gave %d providers", len(l.Providers))
		}
	}
	// A new Authority value for the same folder continues the count.
	b, err := LoadAuthority(a.Dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, l, err := b.SignTrustList(t0, time.Hour); err != nil || l.Sequence != 4 {
		t.Fatalf("after reload: %v, sequence %d", err, l.Sequence)
	}
}

func TestSignTrustListRefusesBadValidity(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	for _, v := range []time.Duration{0, -time.Hour, time.Minute, 32 * 24 * time.Hour} {
		if _, _, err := a.SignTrustList(t0, v); err == nil || !strings.HasPrefix(err.Error(), "valid: ") {
			t.Errorf("valid %v: %v", v, err)
		}
	}
	// A list must not outlive the signer's certificate.
	if _, _, err := a.SignTrustList(a.Signer.NotAfter.Add(-time.Hour), 24*time.Hour); err == nil {
		t.Error("signed a list that outlives the signer's certificate")
	}
}

// flip returns a copy of b with the byte at i changed.
func flip(b []byte, i int) []byte {
	c := slices.Clone(b)
	c[i] ^= 0x01
	return c
}

func TestTrustListTamper(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	other := newListFixture(t, t0) // another authority, same name
	at := t0.Add(time.Hour)

	content := bytes.Index(f.der, []byte(`"issuer"`))
	if content < 0 {
		t.Fatal("content not found in the DER")
	}
	// A list signed by the right authority's TSA key: chains, wrong role.
	js, _ := encodeTrustList("Testbehörde", 9, t0, t0.Add(time.Hour), nil, nil)
	byTSA, err := signTrustList(js, f.a.TSA.Cert, tsaKey(t, f.a), t0, f.a.Rand)
	if err != nil {
		t.Fatal(err)
	}
	sign := func(content []byte) []byte {
		der, err := signTrustList(content, f.a.Signer, f.a.signerKey, t0, f.a.Rand)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	// Signed by the real signer, but not as a trust list, or with bad content.
	asData := signAs(t, cms.OIDTSTInfo(), js, f.a.Signer, f.a.signerKey, []*x509.Certificate{f.a.Signer})
	wrongIssuer, _ := encodeTrustList("Jemand anderes", 9, t0, t0.Add(time.Hour), nil, nil)
	foreignCert, _ := encodeTrustList("Testbehörde", 9, t0, t0.Add(time.Hour), []Provider{other.p1.Provider}, nil)
	unknownField := bytes.Replace(js, []byte(`"version"`), []byte(`"extra": 1, "version"`), 1)
	noCert := signAs(t, OIDTrustList(), js, f.a.Signer, f.a.signerKey, nil)
	// The eContentType changed, the signed content-type attribute not.
	listOID, otherOID := derOf(t, OIDTrustList()), derOf(t, oidArc(2, 2))
	retyped := bytes.Replace(f.der, listOID, otherOID, 1)
	twice, _ := encodeTrustList("Testbehörde", 9, t0, t0.Add(time.Hour), []Provider{f.p1.Provider, f.p1.Provider}, nil)
	early, _ := signTrustList(js, f.a.Signer, f.a.signerKey, f.a.Signer.NotBefore.Add(-time.Second), f.a.Rand)
	signingTime := derOf(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5})
	// The real signer's signature over the list, with the list detached.
	listSigner, err := cms.NewSigner(f.a.signerKey, f.a.Signer, []*x509.Certificate{f.a.Signer})
	if err != nil {
		t.Fatal(err)
	}
	listSig, err := listSigner.Sign(f.a.Rand, OIDTrustList(), js, t0)
	if err != nil {
		t.Fatal(err)
	}
	detached, err := listSig.MarshalDetached()
	if err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name string
		der  []byte
		now  time.Time
		want error
	}{
		{"byte flipped in the content", flip(f.der, content+2), at, ErrSignature},
		{"byte flipped in the signature", flip(f.der, len(f.der)-1), at, ErrSignature},
		{"byte flipped in the signed attributes", flip(f.der, bytes.Index(f.der, signingTime)+16), at, ErrSignature},
		{"signed by another authority", other.der, at, ErrChain},
		{"signed by the authority's TSA", byTSA, at, ErrSignerRole},
		{"not a trust list", asData, at, ErrFormat},
		{"another issuer", sign(wrongIssuer), at, ErrContent},
		{"a certificate from another CA", sign(foreignCert), at, ErrContent},
		{"an unknown member", sign(unknownField), at, ErrContent},
		{"no signer certificate", noCert, at, ErrFormat},
		{"eContentType changed", retyped, at, ErrSignature},
		{"a domain listed twice", sign(twice), at, ErrContent},
		{"signed before the signer's certificate was valid", early, at, ErrChain},
		{"content detached", detached, at, ErrFormat},
		{"truncated", f.der[:len(f.der)/2], at, ErrFormat},
		{"trailing bytes", append(slices.Clone(f.der), 0), at, ErrFormat},
		{"garbage", []byte("not a trust list at all"), at, ErrFormat},
		{"empty", nil, at, ErrFormat},
		{"expired", f.der, t0.Add(24*time.Hour + time.Second), ErrExpired},
		{"not yet valid", f.der, t0.Add(-time.Second), ErrNotYetValid},
		{"after the signer's certificate", f.der, f.a.Signer.NotAfter.Add(time.Hour), ErrChain},
	} {
		l, err := ParseTrustList(c.der, f.a.Root, c.now)
		if !errors.Is(err, c.want) || l != nil {
			t.Errorf("%s: got %v (list %v), want %v", c.name, err, l != nil, c.want)
			continue
		}
		if !strings.HasPrefix(err.Error(), "trust list: "+c.want.Error()) {
			t.Errorf("%s: message %q does not name the check %q first", c.name, err, c.want)
		}
	}
}

// signAs signs content at t0 as SignedData of type ct, with the
// certificates include and the signed attributes attrs: documents
// signTrustList and the TSA would not make.
func signAs(t *testing.T, ct asn1.ObjectIdentifier, content []byte, cert *x509.Certificate, key crypto.Signer,
	include []*x509.Certificate, attrs ...cms.Attribute) []byte {
	t.Helper()
	s, err := cms.NewSigner(key, cert, include, attrs...)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(nil, ct, content, t0)
	if err != nil {
		t.Fatal(err)
	}
	der, err := sig.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return der
}

func derOf(t *testing.T, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestExpiredTrustListCarriesTheList(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	late := t0.Add(48 * time.Hour)
	_, err := ParseTrustList(f.der, f.a.Root, late)
	var ve *ValidityError
	if !errors.As(err, &ve) || !errors.Is(err, ErrExpired) {
		t.Fatalf("got %v, want a *ValidityError wrapping ErrExpired", err)
	}
	if ve.List == nil || ve.List.Sequence != 1 || len(ve.List.Providers) != 2 || !ve.Now.Equal(late) {
		t.Fatalf("the error carries %+v", ve)
	}
	if !strings.Contains(err.Error(), "valid until 2027-03-03T09:00:00Z") {
		t.Errorf("message %q", err)
	}
}

func TestParseTrustListNeedsARoot(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	if _, err := ParseTrustList(f.der, nil, t0); err == nil {
		t.Fatal("accepted without a root")
	}
	// The TSA's certificate is no root for a trust list.
	if _, err := ParseTrustList(f.der, f.a.TSA.Cert, t0); !errors.Is(err, ErrChain) {
		t.Fatalf("TSA certificate as root: %v", err)
	}
}

func TestWriteTrustListReplaces(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	p := filepath.Join(t.TempDir(), "list.p7m")
	if err := WriteTrustList(p, []byte("old")); err != nil {
		t.Fatal(err)
	}
	if err := WriteTrustList(p, f.der); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	if _, err := ParseTrustList(b, f.a.Root, t0); err != nil {
		t.Fatal(err)
	}
}

func FuzzParseTrustList(f *testing.F) {
	fx := newListFixture(f, t0)
	other := newListFixture(f, t0)
	root := fx.a.Root
	f.Add(fx.der)
	// The members of version 2: endpoints and revocations, in lists signed
	// by the right signer, well formed and not.
	sign := func(js []byte) []byte {
		der, err := signTrustList(js, fx.a.Signer, fx.a.signerKey, t0, fx.a.Rand)
		if err != nil {
			f.Fatal(err)
		}
		return der
	}
	p := fx.list.Providers[0]
	if p.SMTP == "" {
		f.Fatal("the fixture's first provider has no endpoints")
	}
	for _, edit := range []func(p *Provider, r *Revocation){
		func(*Provider, *Revocation) {},
		func(p *Provider, _ *Revocation) { p.SMTP = "[::1]:1465" },
		func(p *Provider, _ *Revocation) { p.API = "https://[::1]:8443/api" },
		func(p *Provider, _ *Revocation) { p.SMTP, p.API = "", "" },
		func(p *Provider, _ *Revocation) { p.SMTP = "mail.example:99999" },
		func(_ *Provider, r *Revocation) { r.Reason = ReasonReplaced },
		func(_ *Provider, r *Revocation) { r.SealSHA256 = CertSHA256(p.Seal) },
	} {
		q, r := p, fx.list.Revoked[0]
		edit(&q, &r)
		js, err := encodeTrustList("Testbehörde", 9, t0, t0.Add(2*time.Hour), []Provider{q}, []Revocation{r})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sign(js))
	}
	f.Add(fx.der[:len(fx.der)-1])
	f.Add(fx.der[:len(fx.der)/3])
	f.Add(other.der)
	f.Add([]byte("garbage \x30\x80\x00\x00"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, der []byte) {
		l, err := ParseTrustList(der, root, t0.Add(time.Hour))
		var ve *ValidityError
		if errors.As(err, &ve) {
			l = ve.List
		}
		if l == nil {
			if err == nil {
				t.Fatal("no list and no error")
			}
			return
		}
		// Accepted: an independent verifier must agree that the root's
		// trust-list signer signed exactly this content.
		p7, perr := pkcs7.Parse(der)
		if perr != nil {
			t.Fatalf("accepted what pkcs7 cannot parse: %v", perr)
		}
		if perr := p7.Verify(); perr != nil {
			t.Fatalf("accepted what pkcs7 does not verify: %v", perr)
		}
		s := p7.GetOnlySigner()
		if s == nil || s.CheckSignatureFrom(root) != nil || !s.Equal(l.Signer) {
			t.Fatal("accepted a list whose signer the root did not issue")
		}
		if _, err := decodeTrustList(p7.Content, root); err != nil {
			t.Fatalf("accepted content that does not decode: %v", err)
		}
	})
}

// editJSON changes a list's JSON content through a generic map.
func editJSON(t *testing.T, js []byte, edit func(m map[string]any)) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(js, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestTrustListContentRules: content signed by the right signer that breaks
// the schema's rules for endpoints and revocations is refused as ErrContent.
func TestTrustListContentRules(t *testing.T) {
	t.Parallel()
	f := newListFixture(t, t0)
	at := t0.Add(time.Hour)
	p1, p2 := f.p1.Provider, f.list.Providers[0] // p2 as listed, with endpoints
	rev := f.list.Revoked[0]
	enc := func(ps []Provider, rs []Revocation) []byte {
		js, err := encodeTrustList("Testbehörde", 9, t0, t0.Add(time.Hour), ps, rs)
		if err != nil {
			t.Fatal(err)
		}
		return js
	}
	good := enc([]Provider{p1, p2}, []Revocation{rev})
	with := func(p Provider, smtp, api string) Provider { p.SMTP, p.API = smtp, api; return p }
	revWith := func(edit func(r *Revocation)) Revocation { r := rev; edit(&r); return r }
	firstRevoked := func(edit func(r map[string]any)) func(m map[string]any) {
		return func(m map[string]any) { edit(m["revoked"].([]any)[0].(map[string]any)) }
	}
	for _, c := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"version 1", editJSON(t, good, func(m map[string]any) { m["version"] = 1 }), "version 1"},
		{"version 3", editJSON(t, good, func(m map[string]any) { m["version"] = 3 }), "version 3"},
		{"no revoked member", editJSON(t, good, func(m map[string]any) { delete(m, "revoked") }), "revoked: missing"},
		{"revoked null", editJSON(t, good, func(m map[string]any) { m["revoked"] = nil }), "revoked: missing"},
		{"no providers member", editJSON(t, good, func(m map[string]any) { delete(m, "providers") }), "providers: missing"},
		{"smtp without api", enc([]Provider{with(p1, "mail.example:1465", "")}, nil), "both or neither"},
		{"api without smtp", enc([]Provider{with(p1, "", "https://post.example")}, nil), "both or neither"},
		{"smtp not canonical", enc([]Provider{with(p1, "MAIL.example:1465", "https://post.example")}, nil), "canonical"},
		{"smtp without port", enc([]Provider{with(p1, "mail.example", "https://post.example")}, nil), "HOST:PORT"},
		{"api over http", enc([]Provider{with(p1, "mail.example:1465", "http://post.example")}, nil), "https://"},
		{"api with a query", enc([]Provider{with(p1, "mail.example:1465", "https://post.example/?a=b")}, nil), "query"},
		{"listed and revoked", enc([]Provider{p1}, []Revocation{revocationOf(&Registration{Provider: p1}, t0, "x")}), "revokes"},
		{"TLS certificate listed and revoked", enc([]Provider{p1}, []Revocation{revWith(func(r *Revocation) { r.TLSSHA256 = CertSHA256(p1.TLS) })}), "revokes"},
		{"revoked twice", enc(nil, []Revocation{rev, revWith(func(r *Revocation) { r.Reason = "again" })}), "revoked twice"},
		{"upper-case hash", enc(nil, []Revocation{revWith(func(r *Revocation) { r.SealSHA256 = strings.ToUpper(r.SealSHA256) })}), "seal_cert_sha256"},
		{"short hash", enc(nil, []Revocation{revWith(func(r *Revocation) { r.TLSSHA256 = r.TLSSHA256[:62] })}), "tls_cert_sha256"},
		{"equal hashes", enc(nil, []Revocation{revWith(func(r *Revocation) { r.TLSSHA256 = r.SealSHA256 })}), "the same"},
		{"no reason", enc(nil, []Revocation{revWith(func(r *Revocation) { r.Reason = "" })}), "reason"},
		{"reason padded", enc(nil, []Revocation{revWith(func(r *Revocation) { r.Reason = " x" })}), "reason"},
		{"zero time", enc(nil, []Revocation{revWith(func(r *Revocation) { r.RevokedAt = time.Time{} })}), "revoked_at"},
		{"fractional time", enc(nil, []Revocation{revWith(func(r *Revocation) { r.RevokedAt = t0.Add(time.Millisecond) })}), "revoked_at"},
		{"domain not canonical", enc(nil, []Revocation{revWith(func(r *Revocation) { r.Domain = "Anbieter-C.example" })}), "domain"},
		{"unknown member in a revocation", editJSON(t, good, firstRevoked(func(r map[string]any) { r["serial"] = "1" })), "unknown field"},
		{"revocation lacks a hash", editJSON(t, good, firstRevoked(func(r map[string]any) { delete(r, "seal_cert_sha256") })), "seal_cert_sha256"},
	} {
		der, err := signTrustList(c.content, f.a.Signer, f.a.signerKey, t0, f.a.Rand)
		if err != nil {
			t.Fatal(err)
		}
		_, err = ParseTrustList(der, f.a.Root, at)
		if !errors.Is(err, ErrContent) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want ErrContent saying %q", c.name, err, c.want)
		}
	}
	// The good one passes, so the cases above fail for their reason.
	der, _ := signTrustList(good, f.a.Signer, f.a.signerKey, t0, f.a.Rand)
	if _, err := ParseTrustList(der, f.a.Root, at); err != nil {
		t.Fatalf("the unedited content: %v", err)
	}
}
