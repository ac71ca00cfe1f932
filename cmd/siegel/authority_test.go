package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
)

func TestCLIAuthority(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")

	out := c.ok("", "authority", "init", "--dir", dir, "--name", "Testbehörde")
	for _, want := range []string{`"Testbehörde"`, filepath.Join(dir, "root.crt"), "root SHA-256", "siegel authority issue"} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q:\n%s", want, out)
		}
	}
	c.fails("--dir: ", "", "authority", "init", "--dir", dir)
	c.fails("holds an accreditation authority", "", "authority", "init", "--dir", dir)

	a, b := filepath.Join(work, "anbieter-a"), filepath.Join(work, "anbieter-b")
	out = c.ok("", "authority", "issue", "--dir", dir, "--domain", "anbieter-a.example", "--name", "Anbieter A GmbH", "--out", a)
	if !strings.Contains(out, "anbieter-a.example (Anbieter A GmbH)") || !strings.Contains(out, filepath.Join(a, "seal.crt")) {
		t.Errorf("issue output:\n%s", out)
	}
	out = c.ok("", "authority", "issue", "--dir", dir, "--domain", "Anbieter-B.Example", "--name", "Anbieter B", "--out", b, "--json")
	var issued struct {
		Domain   string   `json:"domain"`
		Files    []string `json:"files"`
		Replaced any      `json:"replaced"`
	}
	if err := json.Unmarshal([]byte(out), &issued); err != nil || issued.Domain != "anbieter-b.example" || len(issued.Files) != 5 || issued.Replaced != nil {
		t.Fatalf("issue --json: %v %q", err, out)
	}
	for _, f := range issued.Files {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("issue listed %s: %v", f, err)
		}
	}

	listFile := filepath.Join(work, "list.p7m")
	out = c.ok("", "authority", "trustlist", "--dir", dir, "--out", listFile, "--valid", "48h", "--json")
	var res struct {
		File       string   `json:"file"`
		Sequence   uint64   `json:"sequence"`
		NextUpdate string   `json:"next_update"`
		Providers  []string `json:"providers"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.File != listFile || res.Sequence != 1 || len(res.Providers) != 2 {
		t.Fatalf("trustlist --json: %v %q", err, out)
	}

	// What a relying party does with the published files.
	der, err := os.ReadFile(listFile)
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.ReadCertPEM(filepath.Join(a, pki.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	l, err := pki.ParseTrustList(der, root, time.Now())
	if err != nil {
		t.Fatalf("ParseTrustList: %v", err)
	}
	if l.NextUpdate.Sub(l.Issued) != 48*time.Hour {
		t.Errorf("list valid %v–%v, want 48h", l.Issued, l.NextUpdate)
	}
	for _, p := range []struct{ domain, name, folder string }{
		{"anbieter-a.example", "Anbieter A GmbH", a}, {"anbieter-b.example", "Anbieter B", b},
	} {
		got, ok := l.Lookup(p.domain)
		if !ok || got.Name != p.name {
			t.Errorf("the list lacks %s: %+v", p.domain, got)
			continue
		}
		seal, _ := pki.ReadCertPEM(filepath.Join(p.folder, pki.SealCertFile))
		tls, _ := pki.ReadCertPEM(filepath.Join(p.folder, pki.TLSCertFile))
		if !got.Seal.Equal(seal) || !got.TLS.Equal(tls) {
			t.Errorf("%s: the list's certificates are not the ones issued", p.domain)
		}
	}

	// Re-issuing replaces, says so, and the next list carries the new
	// certificates under the next sequence number, at the default place.
	a2 := filepath.Join(work, "anbieter-a-neu")
	out = c.ok("", "authority", "issue", "--dir", dir, "--domain", "anbieter-a.example", "--name", "Anbieter A GmbH", "--out", a2)
	if !strings.Contains(out, "replaced the certificates issued to anbieter-a.example") {
		t.Errorf("re-issue output:\n%s", out)
	}
	out = c.ok("", "authority", "trustlist", "--dir", dir)
	def := filepath.Join(dir, pki.TrustListFile)
	if !strings.Contains(out, "no. 2") || !strings.Contains(out, def) || !strings.Contains(out, "openssl cms -verify") {
		t.Errorf("trustlist output:\n%s", out)
	}
	der, _ = os.ReadFile(def)
	l, err = pki.ParseTrustList(der, root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seal, _ := pki.ReadCertPEM(filepath.Join(a2, pki.SealCertFile))
	if got, _ := l.Lookup("anbieter-a.example"); l.Sequence != 2 || !got.Seal.Equal(seal) {
		t.Errorf("list no. %d does not carry the new seal", l.Sequence)
	}
}

func TestCLIAuthorityRefusesBadInput(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", dir, "--json")
	used := filepath.Join(work, "used")
	c.ok("", "authority", "issue", "--dir", dir, "--domain", "used.example", "--name", "U", "--out", used)
	sealBefore, _ := os.ReadFile(filepath.Join(used, pki.SealKeyFile))

	for _, tc := range []struct {
		want string
		args []string
	}{
		{"usage: siegel authority", []string{"authority"}},
		{"usage: siegel authority", []string{"authority", "suspend"}},
		{"--dir: required", []string{"authority", "init"}},
		{"--name: longer than 40", []string{"authority", "init", "--dir", filepath.Join(work, "x"), "--name", strings.Repeat("n", 41)}},
		{"--name: required", []string{"authority", "init", "--dir", filepath.Join(work, "y"), "--name", " "}},
		{"unexpected argument", []string{"authority", "init", "--dir", filepath.Join(work, "z"), "extra"}},
		{"--dir: required", []string{"authority", "issue", "--domain", "a.example", "--name", "A", "--out", work}},
		{"--domain: required", []string{"authority", "issue", "--dir", dir, "--name", "A", "--out", work}},
		{"--name: required", []string{"authority", "issue", "--dir", dir, "--domain", "a.example", "--out", work}},
		{"--out: required", []string{"authority", "issue", "--dir", dir, "--domain", "a.example", "--name", "A"}},
		{"--domain: ", []string{"authority", "issue", "--dir", dir, "--domain", "not a domain", "--name", "A", "--out", filepath.Join(work, "n")}},
		{"--domain: The domain needs at least two labels", []string{"authority", "issue", "--dir", dir, "--domain", "localhost", "--name", "A", "--out", filepath.Join(work, "n")}},
		{"--dir: ", []string{"authority", "issue", "--dir", work, "--domain", "a.example", "--name", "A", "--out", filepath.Join(work, "n")}},
		{"--out: ", []string{"authority", "issue", "--dir", dir, "--domain", "used.example", "--name", "U", "--out", used}},
		{"--dir: required", []string{"authority", "trustlist"}},
		{"--valid: ", []string{"authority", "trustlist", "--dir", dir, "--valid", "10m"}},
		{"--valid: ", []string{"authority", "trustlist", "--dir", dir, "--valid", "800h"}},
		{"--dir: ", []string{"authority", "trustlist", "--dir", filepath.Join(work, "nothing")}},
	} {
		c.fails(tc.want, "", tc.args...)
	}
	if after, _ := os.ReadFile(filepath.Join(used, pki.SealKeyFile)); string(after) != string(sealBefore) {
		t.Error("a refused issue replaced a provider's key")
	}
	if _, err := os.Stat(filepath.Join(work, "n")); !os.IsNotExist(err) {
		t.Errorf("a refused issue created its folder: %v", err)
	}
	if code, _, _ := c.run("", "authority", "init", "-h"); code != 0 {
		t.Errorf("authority init -h: exit %d", code)
	}
}
