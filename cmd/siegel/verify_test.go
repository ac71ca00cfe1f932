package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestCLIEvidenceAndVerify: a sender saves a letter's evidence with siegel
// evidence --out, and siegel verify and openssl check every file against
// the authority root (and siegel verify against its trust list); a changed
// byte, another authority's root and a file that is no evidence each exit 1
// with the check that failed.
func TestCLIEvidenceAndVerify(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Beweis"), true)
	ben := e.Open(pt.PersonApp("Ben", "Beweis"), true)
	sess := filepath.Join(t.TempDir(), "anna.json")
	c.ok(anna.Password+"\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-", "--session", sess)
	out := c.ok("", "send", "--session", sess, "--to", ben.Address, "--subject", "Kündigung", "--text", "zum 31.",
		"--dispatch-confirmation", "--receipt-confirmation", "--private-id", "K-1", "--json")
	var sent api.SendResponse
	if err := json.Unmarshal([]byte(out), &sent); err != nil {
		t.Fatal(err)
	}
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out = c.ok("", "evidence", sent.ID, "--session", sess, "--out", dir)
	for _, want := range []string{"SubmissionAcceptance", "ContentConsignment", ben.Address} {
		if !strings.Contains(out, want) {
			t.Errorf("siegel evidence lacks %q:\n%s", want, out)
		}
	}
	var evs api.EvidenceList
	if err := json.Unmarshal([]byte(c.ok("", "evidence", sent.ID, "--session", sess, "--json")), &evs); err != nil || len(evs.Evidence) != 2 {
		t.Fatalf("siegel evidence --json: %v %+v", err, evs)
	}
	read := c.ok("", "read", evs.Evidence[0].Confirmation, "--session", sess)
	if !strings.Contains(read, "Versandbestätigung") || strings.Contains(read, "sent at level") {
		t.Errorf("siegel read of a confirmation:\n%s", read)
	}
	if out := c.ok("", "inbox", "--folder", "confirmations", "--session", sess); strings.Count(out, "bestaetigung@") != 2 {
		t.Errorf("siegel inbox --folder confirmations:\n%s", out)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	if len(files) != 4 {
		t.Fatalf("saved %v, want an evidence file and a confirmation message for each of two events", files)
	}
	list := trustList(t, e)
	for _, f := range files {
		out := c.ok("", "verify", f, "--root", e.RootCert, "--trust-list", list)
		if !strings.Contains(out, "VALID") || !strings.Contains(out, anna.Address) || !strings.Contains(out, "K-1") {
			t.Errorf("siegel verify %s:\n%s", filepath.Base(f), out)
		}
		var r verification.Report
		if err := json.Unmarshal([]byte(c.ok("", "verify", f, "--root", e.RootCert, "--json")), &r); err != nil || !r.Valid {
			t.Errorf("siegel verify --json %s: %v %+v", filepath.Base(f), err, r)
		}
	}
	checkWithOpenSSL(t, files, e.RootCert)
	// All at once: one report each; valid, so exit 0.
	var all []verification.Report
	if err := json.Unmarshal([]byte(c.ok("", append([]string{"verify", "--root", e.RootCert, "--json"}, files...)...)), &all); err != nil || len(all) != 4 {
		t.Errorf("siegel verify --json of 4 files: %v, %d reports", err, len(all))
	}

	eml := files[0]
	for _, f := range files {
		if strings.HasSuffix(f, ".eml") {
			eml = f
		}
	}
	raw, _ := os.ReadFile(eml)
	i := bytes.Index(raw, []byte("Content-Type: text/plain")) + 150
	raw[i] ^= 0x02
	bad := filepath.Join(t.TempDir(), "changed.eml")
	os.WriteFile(bad, raw, 0o600)
	c.fails("message-digest check failed", "", "verify", bad, "--root", e.RootCert)
	otherDir := t.TempDir()
	if _, err := pki.Init(otherDir, "Other Authority", time.Now()); err != nil {
		t.Fatal(err)
	}
	c.fails("INVALID", "", "verify", files[1], "--root", filepath.Join(otherDir, pki.RootCertFile))
	junk := filepath.Join(t.TempDir(), "junk")
	os.WriteFile(junk, []byte("Sehr geehrte Damen und Herren"), 0o600)
	c.fails("file check failed", "", "verify", junk, "--root", e.RootCert)
	c.fails("1 of 2 files", "", "verify", "--root", e.RootCert, files[0], junk)
	c.fails("--root: no authority root certificate given", "", "verify", files[0])
}

// trustList signs the test authority's current trust list into a file.
func trustList(t *testing.T, e *pt.Env) string {
	t.Helper()
	a, err := pki.LoadAuthority(e.Authority)
	if err != nil {
		t.Fatal(err)
	}
	der, _, err := a.SignTrustList(time.Now(), pki.MaxTrustListValidity)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "trustlist.p7m")
	if err := os.WriteFile(path, der, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkWithOpenSSL runs openssl cms -verify, as a court without Siegel would,
// on each file: DER for the evidence, S/MIME for the confirmation messages.
func checkWithOpenSSL(t *testing.T, files []string, root string) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not on PATH, and CI is set: install OpenSSL (the package openssl)")
		}
		t.Log("openssl is not on PATH: the evidence is not checked with it here")
		return
	}
	for _, f := range files {
		args := []string{"cms", "-verify", "-in", f, "-CAfile", root, "-purpose", "any", "-out", os.DevNull}
		if strings.HasSuffix(f, ".p7m") {
			args = append(args, "-inform", "DER")
		}
		if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
