package main

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/export"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestCLIExport: siegel export saves a letter, a folder and the whole
// account; siegel verify checks the letter and the archive in one go,
// a line for each file, and fails a tampered archive naming the file. A
// recipient at normal is told their personal letter was left out; bad
// verbs and folders are refused, and leave no file behind.
func TestCLIExport(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Mitnahme"), true)
	ben := e.Open(pt.PersonApp("Ben", "Mitnahme"), true)
	dir := t.TempDir()
	annaSess, benSess := filepath.Join(dir, "anna.json"), filepath.Join(dir, "ben.json")
	c.ok(anna.Password+"\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-",
		"--totp-code", e.Code(anna.Secret), "--session", annaSess)
	c.ok(ben.Password+"\n", "login", "--server", e.URL, "--address", ben.Address, "--password-file", "-", "--session", benSess)
	var sent api.SendResponse
	out := c.ok("", "send", "--session", annaSess, "--to", ben.Address, "--subject", "Kündigung", "--text", "zum 31.\nFrom now on",
		"--dispatch-confirmation", "--receipt-confirmation", "--json")
	if err := json.Unmarshal([]byte(out), &sent); err != nil {
		t.Fatal(err)
	}
	c.ok("", "send", "--session", annaSess, "--to", ben.Address, "--subject", "Vertraulich", "--text", "t", "--personal")
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}

	eml := filepath.Join(dir, "brief.eml")
	if out := c.ok("", "export", "letter", sent.ID, "--out", eml, "--session", annaSess); !strings.Contains(out, "saved "+eml) {
		t.Errorf("export letter: %q", out)
	}
	if out := c.ok("", "verify", eml, "--root", e.RootCert); !strings.Contains(out, "VALID") || !strings.Contains(out, "Kündigung") {
		t.Errorf("verify of the exported letter:\n%s", out)
	}

	mbox := filepath.Join(dir, "sent.mbox")
	if out := c.ok("", "export", "folder", "sent", "--out", mbox, "--session", annaSess); !strings.Contains(out, "2 letters") {
		t.Errorf("export folder: %q", out)
	}
	f, err := os.Open(mbox)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	err = export.ReadMbox(f, 1<<20, func(m export.MboxMessage) error {
		n++
		if m.Sender != anna.Address {
			t.Errorf("From line of %q", m.Sender)
		}
		return nil
	})
	f.Close()
	if err != nil || n != 2 {
		t.Errorf("the mbox: %d messages, %v", n, err)
	}

	// The account, here and now, checked in one go.
	wd := t.TempDir()
	zipFile := filepath.Join(wd, "konto.zip")
	out = c.ok("", "export", "account", "--out", zipFile, "--session", annaSess)
	if !strings.Contains(out, "4 letters, 2 evidence files") || !strings.Contains(out, "siegel verify "+zipFile) {
		t.Errorf("export account: %q", out)
	}
	out = c.ok("", "verify", zipFile, "--root", e.RootCert)
	for _, want := range []string{"account archive of " + anna.Address, "VALID     sent/" + sent.ID + ".eml",
		"SubmissionAcceptance at", "confirmation of ContentConsignment", zipFile + ": VALID: 4 letters and 2 evidence files"} {
		if !strings.Contains(out, want) {
			t.Errorf("verify of the archive lacks %q:\n%s", want, out)
		}
	}
	var rep verification.ArchiveReport
	if err := json.Unmarshal([]byte(c.ok("", "verify", zipFile, "--root", e.RootCert, "--json")), &rep); err != nil ||
		!rep.Valid || rep.Kind != verification.KindArchive || len(rep.Files) != 6 {
		t.Errorf("verify --json of the archive: %v %+v", err, rep)
	}
	// Named otherwise, it is still recognised by its content.
	other := filepath.Join(wd, "konto.bin")
	copyFile(t, zipFile, other)
	c.ok("", "verify", other, "--root", e.RootCert)

	tampered := filepath.Join(wd, "tampered.zip")
	tamper(t, zipFile, tampered, "sent/"+sent.ID+".eml")
	c.fails("sha256 check failed: sent/"+sent.ID+".eml: ", "", "verify", tampered, "--root", e.RootCert)
	c.fails("1 of 2 files", "", "verify", "--root", e.RootCert, eml, tampered)

	// Ben at normal: the personal letter is left out, and he is told.
	code, _, errs := c.run("", "export", "folder", "inbox", "--out", filepath.Join(dir, "inbox.mbox"), "--session", benSess)
	if code != 0 || !strings.Contains(errs, "1 personal letters left out") {
		t.Errorf("ben's export at normal: %d %s", code, errs)
	}

	c.fails("usage: siegel export", "", "export", "--session", annaSess)
	c.fails("usage: siegel export", "", "export", "letters", "--session", annaSess)
	bad := filepath.Join(dir, "drafts.mbox")
	c.fails("folder: folder must be", "", "export", "folder", "drafts", "--out", bad, "--session", annaSess)
	if left, _ := filepath.Glob(filepath.Join(dir, "*drafts*")); len(left) != 0 {
		t.Errorf("a refused export left %v", left)
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// tamper copies an archive with one byte of the file name changed.
func tamper(t *testing.T, from, to, name string) {
	t.Helper()
	zr, err := zip.OpenReader(from)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			data[len(data)-3] ^= 0x01
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	if err := os.WriteFile(to, out.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}
