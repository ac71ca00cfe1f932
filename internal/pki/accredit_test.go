package pki

import (
	"crypto/x509"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

const (
	smtpA = "mail.anbieter-a.example:1465"
	apiA  = "https://post.anbieter-a.example/api"
)

// elsewhere is a seal and a TLS certificate for domain, issued by a's root
// at now as Issue would, but not recorded: what an authority whose root key
// lives offline hands a provider.
func elsewhere(t *testing.T, a *Authority, domain string, now time.Time) (seal, tlsCert *x509.Certificate) {
	t.Helper()
	var err error
	for _, c := range []struct {
		dst  **x509.Certificate
		tmpl *x509.Certificate
	}{{&seal, sealTemplate(domain, "Anbieter Extern GmbH")}, {&tlsCert, tlsTemplate(domain, "Anbieter Extern GmbH")}} {
		k, kerr := newKey()
		if kerr != nil {
			t.Fatal(kerr)
		}
		if *c.dst, err = issue(a.Rand, c.tmpl, a.Root, &k.PublicKey, a.rootKey, now, providerYears); err != nil {
			t.Fatal(err)
		}
	}
	return seal, tlsCert
}

// signAt signs a list at now and parses it back, as a relying party would.
func signAt(t *testing.T, a *Authority, now time.Time) *TrustList {
	t.Helper()
	der, _, err := a.SignTrustList(now, DefaultTrustListValidity)
	if err != nil {
		t.Fatalf("SignTrustList: %v", err)
	}
	l, err := ParseTrustList(der, a.Root, now)
	if err != nil {
		t.Fatalf("ParseTrustList: %v", err)
	}
	return l
}

func TestAccreditRecordsEndpoints(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	is := issueProvider(t, a, "anbieter-a.example", "Anbieter A GmbH", t0)
	if l := signAt(t, a, t0); l.Providers[0].SMTP != "" || l.Providers[0].API != "" {
		t.Fatalf("endpoints before accredit: %+v", l.Providers[0])
	}
	res, err := a.Accredit("Anbieter-A.Example", "Mail.Anbieter-A.Example:1465", apiA, nil, nil, t0.Add(time.Minute))
	if err != nil {
		t.Fatalf("Accredit: %v", err)
	}
	if res.SMTP != smtpA || res.API != apiA || !res.Seal.Equal(is.Seal) || !res.Issued.Equal(t0) ||
		!res.Accredited.Equal(t0.Add(time.Minute)) || res.Replaced != nil {
		t.Fatalf("Accredit = %+v", res)
	}
	l := signAt(t, a, t0.Add(time.Hour))
	p, ok := l.Lookup("anbieter-a.example")
	if !ok || p.SMTP != smtpA || p.API != apiA || !p.Seal.Equal(is.Seal) {
		t.Fatalf("the list says %+v", p)
	}
	// Again: the endpoints move, the certificates stay.
	if _, err := a.Accredit("anbieter-a.example", "127.0.0.1:2465", "https://[::1]:8443", nil, nil, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	p, _ = signAt(t, a, t0.Add(2*time.Hour)).Lookup("anbieter-a.example")
	if p.SMTP != "127.0.0.1:2465" || p.API != "https://[::1]:8443" || !p.TLS.Equal(is.TLS) {
		t.Fatalf("after the second accredit: %+v", p)
	}
	// Issuing again keeps the endpoints: the provider's listeners did not move.
	issueProvider(t, a, "anbieter-a.example", "Anbieter A GmbH", t0.Add(3*time.Hour))
	if p, _ = signAt(t, a, t0.Add(3*time.Hour)).Lookup("anbieter-a.example"); p.SMTP != "127.0.0.1:2465" {
		t.Fatalf("after re-issue: %+v", p)
	}
}

func TestAccreditRefuses(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	issueProvider(t, a, "anbieter-a.example", "Anbieter A GmbH", t0)
	other := newAuthority(t, "Behörde", t0)
	foreignSeal, foreignTLS := elsewhere(t, other, "neu.example", t0)
	wrongSeal, wrongTLS := elsewhere(t, a, "falsch.example", t0)
	oldSeal, oldTLS := elsewhere(t, a, "neu.example", t0.AddDate(-3, 0, 0))
	seal, tlsCert := elsewhere(t, a, "neu.example", t0)
	for _, c := range []struct {
		name, domain, smtp, api string
		seal, tls               *x509.Certificate
		field, want             string
	}{
		{"bad domain", "localhost", smtpA, apiA, nil, nil, "domain", "two labels"},
		{"bad smtp", "anbieter-a.example", "mail.example", apiA, nil, nil, "smtp", "HOST:PORT"},
		{"bad api", "anbieter-a.example", smtpA, "http://post.example", nil, nil, "api", "https://"},
		{"not registered", "neu.example", smtpA, apiA, nil, nil, "domain", "not in the registry"},
		{"seal without TLS", "neu.example", smtpA, apiA, seal, nil, "tls-cert", "required"},
		{"TLS without seal", "neu.example", smtpA, apiA, nil, tlsCert, "seal-cert", "required"},
		{"another root", "neu.example", smtpA, apiA, foreignSeal, foreignTLS, "seal-cert", "not issued by the root"},
		{"another domain", "neu.example", smtpA, apiA, wrongSeal, wrongTLS, "seal-cert", "not issued for neu.example"},
		{"expired", "neu.example", smtpA, apiA, oldSeal, oldTLS, "seal-cert", "expired"},
		{"TLS certificate as seal", "neu.example", smtpA, apiA, tlsCert, tlsCert, "seal-cert", "emailProtection"},
		{"seal as TLS certificate", "neu.example", smtpA, apiA, seal, seal, "tls-cert", "serverAuth"},
		{"the root as seal", "neu.example", smtpA, apiA, a.Root, tlsCert, "seal-cert", "CA"},
	} {
		_, err := a.Accredit(c.domain, c.smtp, c.api, c.seal, c.tls, t0)
		if p := problem.As(err); p == nil || p.Field != c.field || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v; want a problem of field %s saying %q", c.name, err, c.field, c.want)
		}
	}
	// Not yet valid: the same certificates, an hour and a half before.
	if _, err := a.Accredit("neu.example", smtpA, apiA, seal, tlsCert, t0.Add(-90*time.Minute)); err == nil || !strings.Contains(err.Error(), "not valid before") {
		t.Errorf("not yet valid: %v", err)
	}
	if rs, _ := a.Registrations(); len(rs) != 1 {
		t.Errorf("refused accreditations left %d registry entries", len(rs))
	}
}

func TestAccreditCertificatesIssuedElsewhere(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	seal, tlsCert := elsewhere(t, a, "neu.example", t0)
	res, err := a.Accredit("neu.example", "mail.neu.example:1465", "https://neu.example", seal, tlsCert, t0.Add(time.Hour))
	if err != nil {
		t.Fatalf("Accredit: %v", err)
	}
	if res.Name != "Anbieter Extern GmbH" || !res.Issued.Equal(t0.Add(time.Hour)) || res.Replaced != nil {
		t.Fatalf("Accredit = %+v", res)
	}
	l := signAt(t, a, t0.Add(time.Hour))
	if p, ok := l.Lookup("neu.example"); !ok || !p.Seal.Equal(seal) || !p.TLS.Equal(tlsCert) || p.SMTP != "mail.neu.example:1465" {
		t.Fatalf("the list says %+v", p)
	}
	// The same certificates again: only the endpoints change.
	if res, err = a.Accredit("neu.example", "mail.neu.example:2465", "https://neu.example", seal, tlsCert, t0.Add(2*time.Hour)); err != nil || res.Replaced != nil {
		t.Fatalf("again: %v %+v", err, res)
	}
	// Half a pair is refused: revoking the old pair would revoke the half kept.
	_, newTLS := elsewhere(t, a, "neu.example", t0)
	if _, err := a.Accredit("neu.example", "mail.neu.example:1465", "https://neu.example", seal, newTLS, t0); problem.As(err) == nil || problem.As(err).Field != "tls-cert" {
		t.Errorf("new TLS certificate with the old seal: %v", err)
	}
	// A new pair replaces the old one, which is revoked.
	seal2, tls2 := elsewhere(t, a, "neu.example", t0.Add(3*time.Hour))
	res, err = a.Accredit("neu.example", "mail.neu.example:1465", "https://neu.example", seal2, tls2, t0.Add(3*time.Hour))
	if err != nil || res.Replaced == nil || !res.Replaced.Seal.Equal(seal) {
		t.Fatalf("new pair: %v %+v", err, res)
	}
	l = signAt(t, a, t0.Add(3*time.Hour))
	if listed, at, why := l.SealStatus(seal); listed || !at.Equal(t0.Add(3*time.Hour)) || why != ReasonReplaced {
		t.Errorf("old seal: listed %v, revoked %v (%q)", listed, at, why)
	}
	if listed, at, _ := l.SealStatus(seal2); !listed || !at.IsZero() {
		t.Errorf("new seal: listed %v, revoked %v", listed, at)
	}
	// A revoked certificate never comes back.
	_, err = a.Accredit("neu.example", "mail.neu.example:1465", "https://neu.example", seal, tlsCert, t0.Add(4*time.Hour))
	if p := problem.As(err); p == nil || p.Field != "seal-cert" || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("revoked pair: %v", err)
	}
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	gone := issueProvider(t, a, "anbieter-a.example", "Anbieter A GmbH", t0)
	stays := issueProvider(t, a, "anbieter-b.example", "Anbieter B", t0)
	before := signAt(t, a, t0)
	if listed, at, _ := before.SealStatus(gone.Seal); !listed || !at.IsZero() {
		t.Fatalf("before: listed %v, revoked %v", listed, at)
	}
	at := t0.Add(90*time.Minute + 500*time.Millisecond)
	r, err := a.Revoke("Anbieter-A.Example", "  Akkreditierung entzogen (DMG §21)  ", at)
	if err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	want := Revocation{Domain: "anbieter-a.example", SealSHA256: CertSHA256(gone.Seal), TLSSHA256: CertSHA256(gone.TLS),
		RevokedAt: t0.Add(90 * time.Minute), Reason: "Akkreditierung entzogen (DMG §21)"}
	if *r != want {
		t.Fatalf("Revoke = %+v, want %+v", *r, want)
	}
	if len(want.SealSHA256) != 64 || want.SealSHA256 == want.TLSSHA256 {
		t.Fatalf("hashes %q %q", want.SealSHA256, want.TLSSHA256)
	}
	l := signAt(t, a, t0.Add(2*time.Hour))
	if _, ok := l.Lookup("anbieter-a.example"); ok || len(l.Providers) != 1 {
		t.Fatalf("the list still names the revoked provider: %v", l.Domains())
	}
	if len(l.Revoked) != 1 || l.Revoked[0] != want {
		t.Fatalf("Revoked = %+v", l.Revoked)
	}
	listed, revokedAt, reason := l.SealStatus(gone.Seal)
	if listed || !revokedAt.Equal(want.RevokedAt) || reason != want.Reason {
		t.Errorf("SealStatus(revoked) = %v %v %q", listed, revokedAt, reason)
	}
	if listed, revokedAt, _ := l.SealStatus(stays.Seal); !listed || !revokedAt.IsZero() {
		t.Errorf("SealStatus(listed) = %v %v", listed, revokedAt)
	}
	if listed, revokedAt, _ := l.SealStatus(stays.TLS); listed || !revokedAt.IsZero() {
		t.Errorf("a TLS certificate passes for a seal: %v %v", listed, revokedAt)
	}
	if listed, revokedAt, _ := l.SealStatus(gone.TLS); listed || !revokedAt.IsZero() {
		t.Errorf("SealStatus of a revoked TLS certificate: %v %v", listed, revokedAt)
	}
	// Every later list keeps the revocation, also after other changes.
	issueProvider(t, a, "anbieter-b.example", "Anbieter B", t0.Add(3*time.Hour))
	l = signAt(t, a, t0.Add(4*time.Hour))
	if len(l.Revoked) != 2 || l.Revoked[0] != want || l.Revoked[1].Reason != ReasonReplaced || l.Revoked[1].SealSHA256 != CertSHA256(stays.Seal) {
		t.Fatalf("later list: %+v", l.Revoked)
	}
	// Revoked: not in the registry any more.
	_, err = a.Revoke("anbieter-a.example", "again", t0.Add(5*time.Hour))
	if p := problem.As(err); p == nil || p.Field != "domain" || !strings.Contains(err.Error(), "not in the registry") {
		t.Errorf("second Revoke: %v", err)
	}
	for _, c := range []struct{ domain, reason, field string }{
		{"nie.example", "x", "domain"}, {"not a domain", "x", "domain"}, {"anbieter-b.example", " ", "reason"},
		{"anbieter-b.example", strings.Repeat("x", 201), "reason"}, {"anbieter-b.example", "a\nb", "reason"},
	} {
		if _, err := a.Revoke(c.domain, c.reason, t0); problem.As(err) == nil || problem.As(err).Field != c.field {
			t.Errorf("Revoke(%q, %q): %v, want a problem of %s", c.domain, c.reason, err, c.field)
		}
	}
}

func TestIssueAgainRecordsReplaced(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	first := issueProvider(t, a, "anbieter.example", "Anbieter", t0)
	second := issueProvider(t, a, "anbieter.example", "Anbieter", t0.Add(time.Hour))
	l := signAt(t, a, t0.Add(time.Hour))
	want := Revocation{Domain: "anbieter.example", SealSHA256: CertSHA256(first.Seal), TLSSHA256: CertSHA256(first.TLS),
		RevokedAt: t0.Add(time.Hour), Reason: ReasonReplaced}
	if len(l.Revoked) != 1 || l.Revoked[0] != want {
		t.Fatalf("Revoked = %+v, want %+v", l.Revoked, want)
	}
	if listed, at, why := l.SealStatus(first.Seal); listed || !at.Equal(t0.Add(time.Hour)) || why != ReasonReplaced {
		t.Errorf("first seal: %v %v %q", listed, at, why)
	}
	if listed, _, _ := l.SealStatus(second.Seal); !listed {
		t.Error("the new seal is not listed")
	}
}

// An interrupted Revoke (the record written, the registry entry not yet
// removed) leaves a list that omits the provider, and a second Revoke that
// finishes the job without moving the date.
func TestRevokeInterrupted(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	is := issueProvider(t, a, "anbieter.example", "Anbieter", t0)
	reg, err := a.registration("anbieter.example")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.recordRevocation(revocationOf(reg, t0.Add(time.Hour), "entzogen")); err != nil {
		t.Fatal(err)
	}
	l := signAt(t, a, t0.Add(2*time.Hour))
	if len(l.Providers) != 0 || len(l.Revoked) != 1 {
		t.Fatalf("half-revoked: providers %v, revoked %+v", l.Domains(), l.Revoked)
	}
	r, err := a.Revoke("anbieter.example", "nochmal", t0.Add(3*time.Hour))
	if err != nil || !r.RevokedAt.Equal(t0.Add(time.Hour)) || r.Reason != "entzogen" || r.SealSHA256 != CertSHA256(is.Seal) {
		t.Fatalf("second Revoke: %v %+v", err, r)
	}
	if _, err := os.Stat(a.registryPath("anbieter.example")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("registry entry: %v", err)
	}
	// Accrediting the half-revoked entry is refused, not revived.
	issueProvider(t, a, "zwei.example", "Zwei", t0)
	reg2, _ := a.registration("zwei.example")
	if _, err := a.recordRevocation(revocationOf(reg2, t0, "x")); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Accredit("zwei.example", smtpA, apiA, nil, nil, t0); err == nil || !strings.Contains(err.Error(), "revoked") {
		t.Errorf("accredit a revoked entry: %v", err)
	}
}

func TestRevokedFileIsChecked(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	issueProvider(t, a, "anbieter.example", "Anbieter", t0)
	if _, err := a.Revoke("anbieter.example", "entzogen", t0); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(a.Dir, RevokedFile)
	b, _ := os.ReadFile(p)
	var j map[string]any
	if err := json.Unmarshal(b, &j); err != nil || j["version"] != float64(1) {
		t.Fatalf("%s: %v %s", RevokedFile, err, b)
	}
	for name, broken := range map[string]string{
		"version": strings.Replace(string(b), `"version": 1`, `"version": 2`, 1),
		"hash":    strings.Replace(string(b), `"seal_cert_sha256": "`, `"seal_cert_sha256": "X`, 1),
		"unknown": strings.Replace(string(b), `"version"`, `"extra": 1, "version"`, 1),
		"no JSON": "{",
		"twice":   strings.Replace(string(b), `"revoked": [`, `"revoked": [`+revokedEntry(t, b)+`,`, 1),
		"no-time": strings.Replace(string(b), `"revoked_at": "`, `"revoked_at": "0001-01-01T00:00:00Z", "x": "`, 1),
	} {
		os.WriteFile(p, []byte(broken), 0o644)
		if _, _, err := a.SignTrustList(t0, time.Hour); err == nil || !strings.Contains(err.Error(), RevokedFile) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// revokedEntry is the first entry of a revoked.json, as JSON.
func revokedEntry(t *testing.T, b []byte) string {
	t.Helper()
	var j revokedJSON
	if err := json.Unmarshal(b, &j); err != nil || len(j.Revoked) == 0 {
		t.Fatalf("revoked.json: %v", err)
	}
	e, _ := json.Marshal(j.Revoked[0])
	return string(e)
}
