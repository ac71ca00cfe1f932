package pki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// t0 is the tests' fixed time, far from the wall clock's, so that anything
// that reads the wall clock instead of the injected time shows.
var t0 = time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)

// newAuthority creates an authority in a fresh folder at now.
func newAuthority(t testing.TB, name string, now time.Time) *Authority {
	t.Helper()
	a, err := Init(filepath.Join(t.TempDir(), "authority"), name, now)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return a
}

// issueProvider issues certificates for domain into a fresh folder.
func issueProvider(t testing.TB, a *Authority, domain, name string, now time.Time) *Issued {
	t.Helper()
	is, err := a.Issue(domain, name, filepath.Join(t.TempDir(), domain), now)
	if err != nil {
		t.Fatalf("Issue %s: %v", domain, err)
	}
	return is
}

func rootPool(root *x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(root)
	return p
}

func TestInitWritesTheLayout(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Testbehörde", t0)
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{
		{AuthorityFile, 0o644}, {RootKeyFile, 0o600}, {RootCertFile, 0o644}, {TSAKeyFile, 0o600}, {TSACertFile, 0o644},
		{SignerKeyFile, 0o600}, {SignerCertFile, 0o644}, {ProvidersDir, os.ModeDir | 0o700},
	} {
		fi, err := os.Stat(filepath.Join(a.Dir, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != f.mode {
			t.Errorf("%s: mode %v, want %v", f.name, fi.Mode(), f.mode)
		}
	}
	if fi, _ := os.Stat(a.Dir); fi.Mode().Perm() != 0o700 {
		t.Errorf("authority folder mode %v, want 0700", fi.Mode().Perm())
	}

	root := a.Root
	if !root.IsCA || !root.MaxPathLenZero || root.MaxPathLen != 0 {
		t.Errorf("root: IsCA %v, MaxPathLen %d (zero %v); want a CA with path length 0", root.IsCA, root.MaxPathLen, root.MaxPathLenZero)
	}
	if root.KeyUsage != x509.KeyUsageCertSign|x509.KeyUsageCRLSign {
		t.Errorf("root key usage %v", root.KeyUsage)
	}
	if err := root.CheckSignatureFrom(root); err != nil {
		t.Errorf("root not self-signed: %v", err)
	}
	if got := root.NotAfter.Sub(t0); got < 19*365*24*time.Hour {
		t.Errorf("root valid for %v, want about 20 years", got)
	}
	if !root.NotBefore.Before(t0) {
		t.Errorf("root NotBefore %v is not before the injected now %v", root.NotBefore, t0)
	}

	// RFC 3161 §2.3: one extended key usage, timeStamping, critical.
	tsa := a.TSA.Cert
	var eku []bool
	for _, e := range tsa.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			eku = append(eku, e.Critical)
		}
	}
	if !slices.Equal(eku, []bool{true}) || !slices.Equal(tsa.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}) || len(tsa.UnknownExtKeyUsage) > 0 {
		t.Errorf("TSA extended key usage %v %v, critical flags %v; want timeStamping alone, critical", tsa.ExtKeyUsage, tsa.UnknownExtKeyUsage, eku)
	}
	if tsa.IsCA || tsa.KeyUsage != x509.KeyUsageDigitalSignature {
		t.Errorf("TSA: IsCA %v, key usage %v", tsa.IsCA, tsa.KeyUsage)
	}
	if _, err := tsa.Verify(x509.VerifyOptions{Roots: rootPool(root), CurrentTime: t0,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}}); err != nil {
		t.Errorf("TSA chain: %v", err)
	}
	if err := checkSignerRole(a.Signer); err != nil {
		t.Errorf("signer role: %v", err)
	}
	if _, err := a.Signer.Verify(x509.VerifyOptions{Roots: rootPool(root), CurrentTime: t0,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
		t.Errorf("signer chain: %v", err)
	}
	if a.Name != "Testbehörde" || root.Subject.Organization[0] != "Testbehörde" {
		t.Errorf("name %q, root O %v", a.Name, root.Subject.Organization)
	}
}

func TestInitRefusesAnExistingAuthority(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Erste", t0)
	before, _ := os.ReadFile(filepath.Join(a.Dir, RootKeyFile))
	_, err := Init(a.Dir, "Zweite", t0)
	if !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), AuthorityFile) {
		t.Fatalf("second Init: %v, want ErrExists naming %s", err, AuthorityFile)
	}
	after, _ := os.ReadFile(filepath.Join(a.Dir, RootKeyFile))
	if !bytes.Equal(before, after) {
		t.Fatal("the root key changed")
	}
	// An interrupted init (keys but no authority.json) is refused too.
	os.Remove(filepath.Join(a.Dir, AuthorityFile))
	if _, err := Init(a.Dir, "Zweite", t0); !errors.Is(err, ErrExists) || !strings.Contains(err.Error(), "interrupted") {
		t.Fatalf("Init over an interrupted one: %v", err)
	}
}

func TestInitChecksItsInput(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ dir, name, want string }{
		{"", "X", "dir: required"},
		{t.TempDir(), "", "name: required"},
		{t.TempDir(), "   ", "name: required"},
		{t.TempDir(), "a\nb", "control"},
		{t.TempDir(), strings.Repeat("x", 41), "longer than 40"},
	} {
		if _, err := Init(c.dir, c.name, t0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Init(%q, %q): %v, want %q", c.dir, c.name, err, c.want)
		}
	}
}

func TestLoadAuthorityRefusesMixedUpFiles(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	if _, err := LoadAuthority(a.Dir); err != nil {
		t.Fatalf("LoadAuthority: %v", err)
	}
	if _, err := LoadAuthority(t.TempDir()); err == nil || !strings.Contains(err.Error(), "siegel authority init") {
		t.Errorf("empty folder: %v", err)
	}
	// The signer's key in the TSA's place.
	b, _ := os.ReadFile(filepath.Join(a.Dir, SignerKeyFile))
	os.Remove(filepath.Join(a.Dir, TSAKeyFile))
	os.WriteFile(filepath.Join(a.Dir, TSAKeyFile), b, 0o600)
	if _, err := LoadAuthority(a.Dir); err == nil || !strings.Contains(err.Error(), "does not belong") {
		t.Errorf("swapped key: %v", err)
	}
	// A key that others may read.
	b2 := newAuthority(t, "Behörde", t0)
	os.Chmod(filepath.Join(b2.Dir, RootKeyFile), 0o644)
	if _, err := LoadAuthority(b2.Dir); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("loose root key: %v", err)
	}
	// The TSA certificate of another authority.
	b3 := newAuthority(t, "Behörde", t0)
	other := newAuthority(t, "Behörde", t0)
	for _, f := range []string{TSACertFile, TSAKeyFile} {
		b, _ := os.ReadFile(filepath.Join(other.Dir, f))
		os.Remove(filepath.Join(b3.Dir, f))
		os.WriteFile(filepath.Join(b3.Dir, f), b, 0o600)
	}
	if _, err := LoadAuthority(b3.Dir); err == nil || !strings.Contains(err.Error(), "not issued by") {
		t.Errorf("foreign TSA: %v", err)
	}
}

func TestIssue(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	out := filepath.Join(t.TempDir(), "anbieter")
	is, err := a.Issue("Anbieter-A.Example", "Anbieter A GmbH", out, t0)
	if err != nil {
		t.Fatal(err)
	}
	if is.Domain != "anbieter-a.example" || is.Replaced != nil {
		t.Fatalf("domain %q, replaced %v", is.Domain, is.Replaced)
	}
	pool := rootPool(a.Root)
	for _, c := range []struct {
		name  string
		cert  *x509.Certificate
		usage x509.ExtKeyUsage
		ku    x509.KeyUsage
	}{
		{"seal", is.Seal, x509.ExtKeyUsageEmailProtection, x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment},
		{"tls server", is.TLS, x509.ExtKeyUsageServerAuth, x509.KeyUsageDigitalSignature},
		{"tls client", is.TLS, x509.ExtKeyUsageClientAuth, x509.KeyUsageDigitalSignature},
	} {
		if _, err := c.cert.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: t0, DNSName: "anbieter-a.example",
			KeyUsages: []x509.ExtKeyUsage{c.usage}}); err != nil {
			t.Errorf("%s: chain to the root: %v", c.name, err)
		}
		if c.cert.KeyUsage != c.ku {
			t.Errorf("%s: key usage %v, want %v", c.name, c.cert.KeyUsage, c.ku)
		}
		if c.cert.Subject.CommonName != "anbieter-a.example" || !slices.Equal(c.cert.Subject.Organization, []string{"Anbieter A GmbH"}) {
			t.Errorf("%s: subject %v", c.name, c.cert.Subject)
		}
		if c.cert.IsCA {
			t.Errorf("%s is a CA", c.name)
		}
		if d := c.cert.NotAfter.Sub(t0); d < 2*365*24*time.Hour-24*time.Hour || d > 2*366*24*time.Hour {
			t.Errorf("%s: valid for %v, want 2 years", c.name, d)
		}
		if bits := c.cert.SerialNumber.BitLen(); bits < 100 || bits > 128 {
			t.Errorf("%s: serial of %d bits, want 128 random bits", c.name, bits)
		}
	}
	// A certificate of a provider is never a CA: nothing can be issued below it.
	if _, err := is.Seal.Verify(x509.VerifyOptions{Roots: pool, CurrentTime: t0, DNSName: "other.example",
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err == nil {
		t.Error("seal verifies for another domain")
	}
	if !slices.Contains(is.Seal.EmailAddresses, "versandbestaetigung@anbieter-a.example") {
		t.Errorf("seal e-mail names %v", is.Seal.EmailAddresses)
	}
	for _, name := range []string{"localhost", "anbieter-a.example"} {
		if err := is.TLS.VerifyHostname(name); err != nil {
			t.Errorf("TLS: %v", err)
		}
	}
	for _, ip := range []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback} {
		if err := is.TLS.VerifyHostname(ip.String()); err != nil {
			t.Errorf("TLS: %v", err)
		}
	}
	if is.Seal.PublicKey.(interface{ Equal(crypto.PublicKey) bool }).Equal(is.TLS.PublicKey) {
		t.Error("seal and TLS certificates share a key")
	}
	if is.Seal.SerialNumber.Cmp(is.TLS.SerialNumber) == 0 {
		t.Error("seal and TLS certificates share a serial number")
	}

	// The files, their modes, and that they load back as a pair.
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{{SealKeyFile, 0o600}, {SealCertFile, 0o644}, {TLSKeyFile, 0o600}, {TLSCertFile, 0o644}, {RootCertFile, 0o644}} {
		fi, err := os.Stat(filepath.Join(out, f.name))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != f.mode {
			t.Errorf("%s: mode %v, want %v", f.name, fi.Mode(), f.mode)
		}
	}
	for _, p := range [][2]string{{SealCertFile, SealKeyFile}, {TLSCertFile, TLSKeyFile}} {
		c, err := ReadCertPEM(filepath.Join(out, p[0]))
		if err != nil {
			t.Fatal(err)
		}
		k, err := ReadKeyPEM(filepath.Join(out, p[1]))
		if err != nil {
			t.Fatal(err)
		}
		if err := matchKey(c, k); err != nil {
			t.Errorf("%s/%s: %v", p[0], p[1], err)
		}
	}
	if r, err := ReadCertPEM(filepath.Join(out, RootCertFile)); err != nil || !r.Equal(a.Root) {
		t.Errorf("root copy: %v", err)
	}
	rs, err := a.Registrations()
	if err != nil || len(rs) != 1 || rs[0].Domain != "anbieter-a.example" || !rs[0].Seal.Equal(is.Seal) || !rs[0].Issued.Equal(t0) {
		t.Fatalf("registry: %v %+v", err, rs)
	}
}

func TestIssueAgainReplacesTheRegistryEntry(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	first := issueProvider(t, a, "anbieter.example", "Alter Name", t0)
	second := issueProvider(t, a, "anbieter.example", "Neuer Name", t0.Add(time.Hour))
	if second.Replaced == nil || !second.Replaced.Seal.Equal(first.Seal) || second.Replaced.Name != "Alter Name" {
		t.Fatalf("Replaced = %+v, want the first issue", second.Replaced)
	}
	rs, _ := a.Registrations()
	if len(rs) != 1 || !rs[0].Seal.Equal(second.Seal) || rs[0].Name != "Neuer Name" {
		t.Fatalf("registry after re-issue: %+v", rs)
	}
}

func TestIssueRefuses(t *testing.T) {
	t.Parallel()
	a := newAuthority(t, "Behörde", t0)
	used := filepath.Join(t.TempDir(), "used")
	issueProvider(t, a, "ok.example", "OK", t0)
	if _, err := a.Issue("ok.example", "OK", used, t0); err != nil {
		t.Fatal(err)
	}
	sealBefore, _ := os.ReadFile(filepath.Join(used, SealKeyFile))
	for _, c := range []struct{ domain, name, out, want string }{
		{"not a domain", "X", t.TempDir(), "domain: "},
		{"localhost", "X", t.TempDir(), "domain: "},
		{"", "X", t.TempDir(), "domain: "},
		{"a.example", "", t.TempDir(), "name: required"},
		{"a.example", "X", "", "out: required"},
		{"ok.example", "OK", used, "not overwriting"},
	} {
		if _, err := a.Issue(c.domain, c.name, c.out, t0); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Issue(%q, %q, %q): %v, want %q", c.domain, c.name, c.out, err, c.want)
		}
	}
	if after, _ := os.ReadFile(filepath.Join(used, SealKeyFile)); !bytes.Equal(sealBefore, after) {
		t.Error("a refused issue changed the provider's key")
	}
	rs, _ := a.Registrations()
	if len(rs) != 1 {
		t.Errorf("registry holds %d providers after refused issues, want 1", len(rs))
	}
}

func TestWriteNewNeverReplaces(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "f")
	if err := writeNew(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeNew(p, []byte("two"), 0o600); !errors.Is(err, ErrExists) {
		t.Fatalf("second writeNew: %v", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Fatalf("content %q", b)
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Fatalf("temporary files left: %v", ents)
	}
}
