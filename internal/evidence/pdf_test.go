package evidence

import (
	"bytes"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/account"
)

// cp1252 is s as the PDF's text strings hold it: the German letters the
// tests use, in Windows-1252.
func cp1252(s string) string {
	return strings.NewReplacer("ä", "\xe4", "ö", "\xf6", "ü", "\xfc", "Ä", "\xc4", "Ö", "\xd6", "Ü", "\xdc", "ß", "\xdf", "–", "\x96").Replace(s)
}

// pages counts the pages of an uncompressed PDF.
func pages(pdf []byte) int { return bytes.Count(pdf, []byte("/Type /Page\n")) }

// TestRenderPDF: a PDF, the same for the same evidence, one page for each
// event, and, uncompressed, every label and fact in its text.
func TestRenderPDF(t *testing.T) {
	t.Parallel()
	p := stdPKI(t)
	for _, ev := range allEvents() {
		e := sample(ev, p.seal.Raw)
		pdf, err := RenderPDF(e)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := RenderPDF(sample(ev, p.seal.Raw))
		plain, err := renderPDF(e, false)
		small, err2 := renderPDF(e, true)
		if err2 != nil || len(small) >= len(plain) || !bytes.HasPrefix(small, []byte("%PDF-")) {
			t.Fatalf("%s: compressed %d bytes, plain %d: %v", ev.Name(), len(small), len(plain), err2)
		}
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Equal(pdf, again) || !bytes.Equal(pdf, plain) || pages(plain) != 1 {
			t.Fatalf("%s: %d bytes (%d uncompressed, %d pages), the same again: %v", ev.Name(), len(pdf), len(plain), pages(plain), bytes.Equal(pdf, again))
		}
		w, _ := wordingOf(ev)
		want := []string{w.titleDE, w.titleEN, "Absender", "Sender", "Empfänger", "Recipient", "Nachweis-ID", "Evidence ID",
			"Prüfsumme der Nachricht", "Digest of the message", "SHA-256-Fingerabdruck", "SHA-256 fingerprint",
			e.Sender.Address, e.Recipient.Address, e.ID, e.MessageID, e.PrivateID, e.Issuer.Name, e.Issuer.Domain,
			"CN=Siegel Test Seal", "2025-03-01 12:00:00 UTC", "D:20250301120000", "siegel verify", "openssl cms -verify"}
		for _, r := range e.Reasons {
			want = append(want, r.Code)
		}
		for _, s := range want {
			if !bytes.Contains(plain, []byte(cp1252(s))) {
				t.Errorf("%s: the PDF does not show %q", ev.Name(), s)
			}
		}
		if !bytes.Contains(plain, []byte(hex.EncodeToString(e.ContentDigest[:]))) {
			t.Errorf("%s: the PDF does not show the content digest", ev.Name())
		}
	}
}

// TestRenderPDFLarge: the largest evidence Check allows renders, on more
// pages, and characters outside cp1252 do not break it.
func TestRenderPDFLarge(t *testing.T) {
	t.Parallel()
	e := sample(ContentConsignmentFailure, fakeCert)
	e.Reasons = nil
	for range MaxReasons {
		e.Reasons = append(e.Reasons, Reason{Code: strings.Repeat("c", MaxID), Details: strings.Repeat("Grund 理由 ", MaxText/10)})
	}
	e.PrivateID = strings.Repeat("ÄÖÜ", MaxPrivateID/3)
	e.Sender.Name, e.Recipient.Name = strings.Repeat("名", MaxText), strings.Repeat("x", MaxText)
	plain, err := renderPDF(e, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := pages(plain); n < 2 {
		t.Errorf("%d pages", n)
	}
	if !bytes.Contains(plain, []byte("kein X.509-Zertifikat")) {
		t.Error("no word that the issuer certificate is none")
	}
	if _, err := RenderPDF(&Evidence{Event: ContentHandover}); err == nil {
		t.Error("rendered invalid evidence")
	}
}

// needTool returns the path of a command, skipping the test without it, or
// failing when CI is set (DESIGN "Tests").
func needTool(t *testing.T, name, install string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not on PATH, and CI is set: install %s (%v)", name, install, err)
		}
		t.Skipf("%s is not on PATH; install %s to check the PDF's text with it (%v)", name, install, err)
	}
	return path
}

// TestRenderPDFText extracts the PDF's text with pdftotext (poppler), an
// independent reader, and finds the facts in it, umlauts included.
func TestRenderPDFText(t *testing.T) {
	t.Parallel()
	pdftotext := needTool(t, "pdftotext", "poppler-utils")
	p := stdPKI(t)
	e := sample(ContentHandover, p.seal.Raw)
	e.Sender.Kind = account.Authority
	pdf, err := RenderPDF(e)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "evidence.pdf"), pdf)
	out, stderr, err := run(t, dir, pdftotext, "-enc", "UTF-8", "evidence.pdf", "-")
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, stderr)
	}
	text := string(out)
	for _, want := range []string{"Abholbestätigung", "Confirmation of retrieval", "Empfänger", "Recipient",
		e.Sender.Address, e.Recipient.Address, "Stadt Musterstadt <Bürgeramt>", "Az. 4711/2025 – Müller",
		e.ID, e.MessageID, hex.EncodeToString(e.ContentDigest[:])[:16], "Siegel Beispiel GmbH & Co. KG",
		"2025-03-01 12:00:00 UTC (Berlin: 2025-03-01 13:00:00 +01:00)", "authority", "high", "1/1"} {
		if !strings.Contains(strings.ToLower(text), strings.ToLower(want)) {
			t.Errorf("pdftotext finds no %q in\n%s", want, text)
		}
	}
}

// TestWinANSI: the PDF's text encoding, checked against the code page.
func TestWinANSI(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Straße": "Stra\xdfe", "Ä–€": "\xc4\x96\x80", "„Ÿ”": "\x84\x9f\x94", "a→b": "a.b", "\u0081": ".", "": "",
	} {
		if got := winANSI(in); got != want {
			t.Errorf("winANSI(%q) = %q, want %q", in, got, want)
		}
	}
}
