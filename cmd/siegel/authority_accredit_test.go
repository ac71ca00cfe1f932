package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
)

// signedList reads a list the trustlist verb wrote and checks it as a
// relying party would.
func signedList(t *testing.T, dir, file string) *pki.TrustList {
	t.Helper()
	der, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.ReadCertPEM(filepath.Join(dir, pki.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := pki.ParseTrustList(der, root, time.Now())
	if err != nil {
		t.Fatalf("ParseTrustList: %v", err)
	}
	return l
}

// rootSigned writes a provider certificate for domain, issued with the
// authority's root key outside the authority's verbs, valid notBefore to
// notAfter, as PEM into a file of folder, and returns the file.
func rootSigned(t *testing.T, authDir, folder, name, domain string, usage []x509.ExtKeyUsage, notBefore, notAfter time.Time) string {
	t.Helper()
	root, err := pki.ReadCertPEM(filepath.Join(authDir, pki.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	rootKey, err := pki.ReadKeyPEM(filepath.Join(authDir, pki.RootKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: domain, Organization: []string{"Extern GmbH"}},
		NotBefore: notBefore, NotAfter: notAfter, KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: usage,
		DNSNames: []string{domain}, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, root, &key.PublicKey, rootKey)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(folder, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCLIAuthorityAccreditAndRevoke(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", dir, "--json")
	a := filepath.Join(work, "anbieter-a")
	c.ok("", "authority", "issue", "--dir", dir, "--domain", "anbieter-a.example", "--name", "Anbieter A GmbH", "--out", a)

	if _, _, errs := c.run("", "authority", "trustlist", "--dir", dir); !strings.Contains(errs, "anbieter-a.example has no endpoints yet") {
		t.Errorf("trustlist does not warn of the missing endpoints: %q", errs)
	}
	out := c.ok("", "authority", "accredit", "--dir", dir, "--domain", "Anbieter-A.example", "--smtp", "Mail.Anbieter-A.example:1465",
		"--api", "https://post.anbieter-a.example/api")
	for _, want := range []string{"accredited anbieter-a.example (Anbieter A GmbH)", "smtp: mail.anbieter-a.example:1465",
		"api:  https://post.anbieter-a.example/api", "siegel authority trustlist"} {
		if !strings.Contains(out, want) {
			t.Errorf("accredit output lacks %q:\n%s", want, out)
		}
	}
	// Certificates issued elsewhere by the root: the registry has no entry.
	ext := filepath.Join(work, "extern")
	c.ok("", "authority", "issue", "--dir", dir, "--domain", "extern.example", "--name", "Extern GmbH", "--out", ext)
	if err := os.Remove(filepath.Join(dir, pki.ProvidersDir, "extern.example.json")); err != nil {
		t.Fatal(err)
	}
	out = c.ok("", "authority", "accredit", "--dir", dir, "--domain", "extern.example", "--smtp", "127.0.0.1:2465",
		"--api", "https://127.0.0.1:8443", "--seal-cert", filepath.Join(ext, pki.SealCertFile), "--tls-cert", filepath.Join(ext, pki.TLSCertFile), "--json")
	var accm map[string]any
	if err := json.Unmarshal([]byte(out), &accm); err != nil || accm["domain"] != "extern.example" || accm["name"] != "Extern GmbH" ||
		accm["smtp"] != "127.0.0.1:2465" || accm["replaced"] != nil {
		t.Fatalf("accredit --json: %v %s", err, out)
	}

	listFile := filepath.Join(work, "list.p7m")
	if code, _, errs := c.run("", "authority", "trustlist", "--dir", dir, "--out", listFile); code != 0 || strings.Contains(errs, "no endpoints") {
		t.Errorf("trustlist after accredit: exit %d, %q", code, errs)
	}
	l := signedList(t, dir, listFile)
	p, ok := l.Lookup("anbieter-a.example")
	if !ok || p.SMTP != "mail.anbieter-a.example:1465" || p.API != "https://post.anbieter-a.example/api" {
		t.Fatalf("the list says %+v", p)
	}
	seal, _ := pki.ReadCertPEM(filepath.Join(ext, pki.SealCertFile))
	if p, ok := l.Lookup("extern.example"); !ok || !p.Seal.Equal(seal) || p.API != "https://127.0.0.1:8443" {
		t.Fatalf("the list says %+v", p)
	}

	out = c.ok("", "authority", "revoke", "--dir", dir, "--domain", "extern.example", "--reason", "Akkreditierung entzogen", "--json")
	var rev struct {
		Domain     string `json:"domain"`
		SealSHA256 string `json:"seal_cert_sha256"`
		RevokedAt  string `json:"revoked_at"`
		Reason     string `json:"reason"`
	}
	if err := json.Unmarshal([]byte(out), &rev); err != nil || rev.Domain != "extern.example" || rev.SealSHA256 != pki.CertSHA256(seal) ||
		rev.Reason != "Akkreditierung entzogen" {
		t.Fatalf("revoke --json: %v %s", err, out)
	}
	out = c.ok("", "authority", "trustlist", "--dir", dir, "--out", listFile)
	if !strings.Contains(out, "1 revocations recorded") || !strings.Contains(out, "1 accredited providers: anbieter-a.example") {
		t.Errorf("trustlist output:\n%s", out)
	}
	l = signedList(t, dir, listFile)
	listed, at, reason := l.SealStatus(seal)
	if _, ok := l.Lookup("extern.example"); ok || listed || at.Format(time.RFC3339) != rev.RevokedAt || reason != rev.Reason {
		t.Fatalf("after revoke: listed %v, revoked %v (%q)", listed, at, reason)
	}
	c.fails("--domain: extern.example is not in the registry", "", "authority", "revoke", "--dir", dir, "--domain", "extern.example", "--reason", "x")
	// A revoked certificate does not come back.
	c.fails("--seal-cert: revoked", "", "authority", "accredit", "--dir", dir, "--domain", "extern.example", "--smtp", "127.0.0.1:2465",
		"--api", "https://127.0.0.1:8443", "--seal-cert", filepath.Join(ext, pki.SealCertFile), "--tls-cert", filepath.Join(ext, pki.TLSCertFile))

	// Issuing again revokes the replaced certificates as "replaced".
	c.ok("", "authority", "issue", "--dir", dir, "--domain", "anbieter-a.example", "--name", "Anbieter A GmbH", "--out", filepath.Join(work, "a2"))
	c.ok("", "authority", "trustlist", "--dir", dir, "--out", listFile)
	oldSeal, _ := pki.ReadCertPEM(filepath.Join(a, pki.SealCertFile))
	l = signedList(t, dir, listFile)
	if _, _, why := l.SealStatus(oldSeal); why != pki.ReasonReplaced || len(l.Revoked) != 2 {
		t.Errorf("re-issue: %q, %d revocations", why, len(l.Revoked))
	}
	if p, _ := l.Lookup("anbieter-a.example"); p.SMTP != "mail.anbieter-a.example:1465" {
		t.Errorf("re-issue lost the endpoints: %+v", p)
	}
}

func TestCLIAuthorityAccreditRefusesBadInput(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", dir, "--json")
	c.ok("", "authority", "issue", "--dir", dir, "--domain", "used.example", "--name", "U", "--out", filepath.Join(work, "used"))
	other := filepath.Join(work, "other")
	c.ok("", "authority", "init", "--dir", other, "--json")
	c.ok("", "authority", "issue", "--dir", other, "--domain", "new.example", "--name", "N", "--out", filepath.Join(work, "foreign"))
	now := time.Now()
	seal, tlsUsage := []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection}, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}
	goodSeal := rootSigned(t, dir, work, "seal.pem", "new.example", seal, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	goodTLS := rootSigned(t, dir, work, "tls.pem", "new.example", tlsUsage, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	expiredSeal := rootSigned(t, dir, work, "expired-seal.pem", "new.example", seal, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))
	expiredTLS := rootSigned(t, dir, work, "expired-tls.pem", "new.example", tlsUsage, now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))
	otherSeal := rootSigned(t, dir, work, "other-seal.pem", "other.example", seal, now.Add(-time.Hour), now.AddDate(1, 0, 0))
	notPEM := filepath.Join(work, "not.pem")
	os.WriteFile(notPEM, []byte("no certificate"), 0o644)
	foreign := filepath.Join(work, "foreign")
	base := []string{"authority", "accredit", "--dir", dir, "--domain", "new.example", "--smtp", "mail.new.example:1465", "--api", "https://new.example"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--dir: required", []string{"authority", "accredit", "--domain", "a.example", "--smtp", "m.example:1465", "--api", "https://a.example"}},
		{"--domain: required", []string{"authority", "accredit", "--dir", dir, "--smtp", "m.example:1465", "--api", "https://a.example"}},
		{"--smtp: required", []string{"authority", "accredit", "--dir", dir, "--domain", "a.example", "--api", "https://a.example"}},
		{"--api: required", []string{"authority", "accredit", "--dir", dir, "--domain", "a.example", "--smtp", "m.example:1465"}},
		{"--domain: ", []string{"authority", "accredit", "--dir", dir, "--domain", "localhost", "--smtp", "m.example:1465", "--api", "https://a.example"}},
		{"--smtp: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example", "--api", "https://a.example"}},
		{"--smtp: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example:70000", "--api", "https://a.example"}},
		{"--smtp: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m_x.example:1465", "--api", "https://a.example"}},
		{"--api: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example:1465", "--api", "http://a.example"}},
		{"--api: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example:1465", "--api", "https://u:p@a.example"}},
		{"--api: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example:1465", "--api", "https://a.example/?q"}},
		{"--api: ", []string{"authority", "accredit", "--dir", dir, "--domain", "used.example", "--smtp", "m.example:1465", "--api", "https://a.example/#f"}},
		{"--dir: ", []string{"authority", "accredit", "--dir", work, "--domain", "used.example", "--smtp", "m.example:1465", "--api", "https://a.example"}},
		{"--domain: new.example is not in the registry", with()},
		{"--tls-cert: required with --seal-cert", with("--seal-cert", goodSeal)},
		{"--seal-cert: required with --tls-cert", with("--tls-cert", goodTLS)},
		{"--seal-cert: ", with("--seal-cert", notPEM, "--tls-cert", goodTLS)},
		{"--tls-cert: ", with("--seal-cert", goodSeal, "--tls-cert", filepath.Join(work, "missing.pem"))},
		{"--seal-cert: not issued by the root", with("--seal-cert", filepath.Join(foreign, pki.SealCertFile), "--tls-cert", filepath.Join(foreign, pki.TLSCertFile))},
		{"--seal-cert: not issued for new.example", with("--seal-cert", otherSeal, "--tls-cert", goodTLS)},
		{"--seal-cert: expired", with("--seal-cert", expiredSeal, "--tls-cert", expiredTLS)},
		{"--tls-cert: expired", with("--seal-cert", goodSeal, "--tls-cert", expiredTLS)},
		{"--seal-cert: lacks the extended key usage emailProtection", with("--seal-cert", goodTLS, "--tls-cert", goodTLS)},
		{"--tls-cert: lacks the extended key usage serverAuth", with("--seal-cert", goodSeal, "--tls-cert", goodSeal)},
		{"unexpected argument", with("extra")},
		{"--dir: required", []string{"authority", "revoke", "--domain", "used.example", "--reason", "x"}},
		{"--domain: required", []string{"authority", "revoke", "--dir", dir, "--reason", "x"}},
		{"--reason: required", []string{"authority", "revoke", "--dir", dir, "--domain", "used.example"}},
		{"--reason: required", []string{"authority", "revoke", "--dir", dir, "--domain", "used.example", "--reason", "  "}},
		{"--reason: longer than 200", []string{"authority", "revoke", "--dir", dir, "--domain", "used.example", "--reason", strings.Repeat("x", 201)}},
		{"--domain: ", []string{"authority", "revoke", "--dir", dir, "--domain", "not a domain", "--reason", "x"}},
		{"--domain: nie.example is not in the registry", []string{"authority", "revoke", "--dir", dir, "--domain", "nie.example", "--reason", "x"}},
		{"--dir: ", []string{"authority", "revoke", "--dir", work, "--domain", "used.example", "--reason", "x"}},
	} {
		c.fails(tc.want, "", tc.args...)
	}
	// Nothing refused above changed the registry or recorded a revocation.
	if _, err := os.Stat(filepath.Join(dir, pki.RevokedFile)); !os.IsNotExist(err) {
		t.Errorf("%s: %v", pki.RevokedFile, err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, pki.ProvidersDir))
	if len(ents) != 1 {
		t.Errorf("registry holds %d entries", len(ents))
	}
	// The good pair passes, so the cases above failed for their reasons.
	c.ok("", with("--seal-cert", goodSeal, "--tls-cert", goodTLS)...)
}
