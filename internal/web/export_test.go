package web_test

import (
	"archive/zip"
	"bytes"
	"io"
	"mime"
	"net/http"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/export"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestExportDownloads: the web mailbox offers a letter as a .eml file, a
// folder as an mbox and the account as a zip archive, each a download
// (attachment, nosniff), linked from the letter, the folder and the
// settings; at normal, the personal letter is left out and the pages say
// so. A folder that is none, a hidden letter and no login are refused.
func TestExportDownloads(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Mitnahme", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Mitnahme"), true)
	cityC := city.High()
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid", Text: "Sehr geehrte Frau Mitnahme,\nFrom now on.",
		ReceiptConfirmation: true})
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Nur für Sie", Text: "vertraulich", Personal: true})
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}
	id := mailCopy(t, erika.C, "inbox", "Bescheid")
	hidden := mailCopy(t, erika.C, "inbox", city.Address)
	b := newMailBrowser(t, e)
	mailWant(t, b.get("/export/account"), http.StatusOK, `id="address"`) // the login form first
	b.login(erika)

	mailWant(t, b.get("/letter/"+id), http.StatusOK, `href="/export/letter/`+id+`"`, "Als Datei speichern")
	p := b.get("/export/letter/" + id)
	wantDownload(t, p, "message/rfc822", id+".eml")
	if err := letter.VerifyIntegrity([]byte(p.Body)); err != nil || !strings.Contains(p.Body, "From now on.") {
		t.Errorf("the letter's file: %v", err)
	}

	mailWant(t, b.get("/mail/inbox"), http.StatusOK, `href="/export/folder/inbox"`, "ohne persönliche Briefe")
	p = b.get("/export/folder/inbox")
	wantDownload(t, p, "application/mbox", "inbox.mbox")
	n := 0
	if err := export.ReadMbox(strings.NewReader(p.Body), 1<<20, func(export.MboxMessage) error { n++; return nil }); err != nil || n != 1 {
		t.Errorf("the inbox's mbox: %d messages, %v", n, err)
	}
	if !strings.Contains(p.Body, "\r\n>From now on.") || strings.Contains(p.Body, "vertraulich") {
		t.Errorf("the inbox's mbox:\n%.2000s", p.Body)
	}

	mailWant(t, b.get("/settings"), http.StatusOK, `href="/export/account"`, "Gesamtes Postfach herunterladen",
		"nur als Eintrag im Verzeichnis", `href="/stepup?next=/settings%23export"`)
	p = b.get("/export/account")
	wantDownload(t, p, "application/zip", export.ArchiveName(erika.Address, e.Clock.Now()))
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	r := verification.CheckArchive(strings.NewReader(p.Body), int64(len(p.Body)), verification.Anchors{Root: root})
	if !r.Valid || r.Letters != 2 || r.Evidence != 1 || r.Withheld != 1 { // the letter and its confirmation; the personal one
		t.Errorf("the archive at normal: %s %s: %d letters, %d evidence, %d withheld", r.FailedCheck, r.Reason, r.Letters, r.Evidence, r.Withheld)
	}

	mailWant(t, b.get("/export/folder/drafts"), http.StatusNotFound)
	mailWant(t, b.get("/export/letter/"+hidden), http.StatusForbidden)
	mailWant(t, b.get("/export/letter/0123"), http.StatusNotFound)

	// At high: the personal letter too.
	b.stepUp(erika, "/settings")
	p = b.get("/export/account")
	zr, err := zip.NewReader(strings.NewReader(p.Body), int64(len(p.Body)))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range zr.File {
		if f.Name == export.LetterPath("inbox", hidden) {
			rc, _ := f.Open()
			body, _ := io.ReadAll(rc)
			rc.Close()
			found = bytes.Contains(body, []byte("vertraulich"))
		}
	}
	if !found {
		t.Error("the archive at high lacks the personal letter")
	}
}

// wantDownload checks that p is a download of type ctype named name.
func wantDownload(t *testing.T, p *mailPage, ctype, name string) {
	t.Helper()
	mailWant(t, p, http.StatusOK)
	if ct := p.Header.Get("Content-Type"); ct != ctype {
		t.Errorf("%s: Content-Type %q, want %q", p.URL.Path, ct, ctype)
	}
	disp, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil || disp != "attachment" || params["filename"] != name {
		t.Errorf("%s: Content-Disposition %q, want an attachment named %s", p.URL.Path, p.Header.Get("Content-Disposition"), name)
	}
	if p.Header.Get("X-Content-Type-Options") != "nosniff" || p.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("%s: headers %v", p.URL.Path, p.Header)
	}
}
