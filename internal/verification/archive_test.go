package verification_test

import (
	"archive/zip"
	"bytes"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"

	"github.com/siegel-mail/siegel/internal/export"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/verification"
)

// archiveFiles are the parts of a small account archive.
type archiveFiles struct {
	letter, p7m, eml, notice []byte
	id                       string // the evidence's
}

func (w *world) archiveFiles(t testing.TB) archiveFiles {
	t.Helper()
	l := w.letter(t, nil, false)
	res, err := letter.CheckIntegrity(l)
	if err != nil {
		t.Fatal(err)
	}
	ev := w.evidence(w.a, "a.siegel.test")
	ev.ContentDigest = res.BodyHash
	p7m, eml := w.filesOf(t, w.a, ev)
	notice := []byte("From: Benachrichtigung@a.siegel.test\r\nSubject: Zustellung\r\n\r\nIn Ihrem Postfach liegt ein Brief.\r\n")
	return archiveFiles{letter: l, p7m: p7m, eml: eml, notice: notice, id: ev.ID}
}

// build writes an archive of f, with change applied to the entries
// before they are written.
func (f archiveFiles) build(t testing.TB, change func(name string, e *export.Entry, data *[]byte)) []byte {
	t.Helper()
	var buf bytes.Buffer
	a, err := export.NewArchive(&buf, export.Index{Account: "stadt@a.siegel.test", Provider: "a.siegel.test", Level: "high"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if change == nil {
		change = func(string, *export.Entry, *[]byte) {}
	}
	add := func(name string, e export.Entry, data []byte, evidence bool) {
		change(name, &e, &data)
		if evidence {
			err = a.AddEvidence(e, data)
		} else {
			err = a.AddLetter(e, data)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	add("letter", export.Entry{Path: "sent/0001.eml", Folder: "sent"}, f.letter, false)
	add("evidence", export.Entry{Path: "evidence/ContentConsignment-1.p7m", EvidenceID: f.evidenceID(t),
		Event: "ContentConsignment", Letter: "sent/0001.eml", Confirmation: "confirmations/0002.eml"}, f.p7m, true)
	add("confirmation", export.Entry{Path: "confirmations/0002.eml", Folder: "confirmations"}, f.eml, false)
	add("notice", export.Entry{Path: "inbox/0003.eml", Folder: "inbox"}, f.notice, false)
	if err := a.AddWithheld(export.Entry{Folder: "inbox", From: "erika@a.siegel.test"}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// evidenceID is the id of an evidence file.
func (f archiveFiles) evidenceID(t testing.TB) string {
	t.Helper()
	if f.id == "" {
		t.Fatal("no evidence id")
	}
	return f.id
}

// rezip rewrites an archive file by file: change may alter a file's
// bytes, or drop it (nil); extra files are added at the end.
func rezip(t *testing.T, b []byte, change func(name string, data []byte) []byte, extra map[string][]byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	write := func(name string, data []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if data = change(f.Name, data); data != nil {
			write(f.Name, data)
		}
	}
	for name, data := range extra {
		write(name, data)
	}
	zw.Close()
	return out.Bytes()
}

// anotherLetter is a letter of other content.
func anotherLetter(t *testing.T) []byte {
	m, err := letter.Build(letter.Draft{MessageID: "fedcba9876543210fedcba9876543210", From: "erika@a.siegel.test",
		To: []string{"stadt@a.siegel.test"}, Subject: "Widerspruch", Text: "Ein anderer Text", AuthLevel: account.High,
		Provider: "a.siegel.test", Date: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return m.Bytes(letter.ViewRecipient, "")
}

// TestCheckArchive: a whole archive checks in one go, each file with its
// line; a withheld letter is noted, not failed. Each way to tamper with
// it fails, naming the file and the check.
func TestCheckArchive(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	files := w.archiveFiles(t)
	anchors := verification.Anchors{Root: w.auth.Root, TrustList: w.trustList}
	good := files.build(t, nil)
	check := func(b []byte) *verification.ArchiveReport {
		return verification.CheckArchive(bytes.NewReader(b), int64(len(b)), anchors)
	}
	r := check(good)
	if !r.Valid || r.Letters != 3 || r.Evidence != 1 || r.Withheld != 1 || len(r.Files) != 5 || r.Account != "stadt@a.siegel.test" {
		t.Fatalf("a good archive: %+v", r)
	}
	for _, f := range r.Files {
		if !f.Valid || (f.Withheld == "" && f.Note == "") {
			t.Errorf("file %+v", f)
		}
	}
	keep := func(_ string, d []byte) []byte { return d }

	for _, tc := range []struct {
		name        string
		archive     []byte
		check, file string
	}{
		{"a letter changed", rezip(t, good, func(n string, d []byte) []byte {
			if n == "sent/0001.eml" {
				return bytes.Replace(d, []byte("Hiermit"), []byte("Hiemit"), 1)
			}
			return d
		}, nil), verification.CheckHash, "sent/0001.eml"},
		{"a letter and its hash changed", files.build(t, func(name string, _ *export.Entry, d *[]byte) {
			if name == "letter" {
				*d = bytes.Replace(*d, []byte("Hiermit"), []byte("Hiemit"), 1)
			}
		}), verification.CheckIntegrity, "sent/0001.eml"},
		{"a letter the evidence is not about", files.build(t, func(name string, _ *export.Entry, d *[]byte) {
			if name == "letter" {
				*d = anotherLetter(t) // valid in itself
			}
		}), verification.CheckDigest, "evidence/ContentConsignment-1.p7m"},
		{"a file removed", rezip(t, good, func(n string, d []byte) []byte {
			if n == "confirmations/0002.eml" {
				return nil
			}
			return d
		}, nil), verification.CheckIndex, "confirmations/0002.eml"},
		{"a file added", rezip(t, good, keep, map[string][]byte{"inbox/9999.eml": files.notice}), verification.CheckIndex, "inbox/9999.eml"},
		{"a file twice", rezip(t, good, keep, map[string][]byte{"sent/0001.eml": files.letter}), verification.CheckIndex, "sent/0001.eml"},
		{"evidence signature broken", files.build(t, func(name string, _ *export.Entry, d *[]byte) {
			if name == "evidence" {
				b := bytes.Clone(*d)
				b[signatureAt(t, b)] ^= 1
				*d = b
			}
		}), "", "evidence/ContentConsignment-1.p7m"},
		{"a letter's integrity value stripped, listed as a notice", files.build(t, func(name string, e *export.Entry, d *[]byte) {
			if name == "letter" {
				e.Kind = export.KindMessage
			}
		}), verification.CheckIndex, "sent/0001.eml"},
		{"evidence listed as another", files.build(t, func(name string, e *export.Entry, _ *[]byte) {
			if name == "evidence" {
				e.Event = "ContentHandover"
			}
		}), verification.CheckIndex, "evidence/ContentConsignment-1.p7m"},
		{"no index", rezip(t, good, func(n string, d []byte) []byte {
			if n == export.IndexJSON {
				return nil
			}
			return d
		}, nil), verification.CheckZip, ""},
		{"no zip", []byte("PK\x03\x04 not really"), verification.CheckZip, ""},
	} {
		r := check(tc.archive)
		t.Logf("%s: %s: %s", tc.name, r.FailedCheck, r.Reason)
		if r.Valid || (tc.check != "" && r.FailedCheck != tc.check) || !strings.HasPrefix(r.Reason, tc.file) {
			t.Errorf("%s: %s: %s (failed %d)", tc.name, r.FailedCheck, r.Reason, r.Failed)
			continue
		}
		if tc.file == "" {
			continue
		}
		found := false
		for _, f := range r.Files {
			if f.Path == tc.file && !f.Valid {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no failed line for %s: %+v", tc.name, tc.file, r.Files)
		}
	}
}

// FuzzCheckArchive: whatever the bytes, CheckArchive never panics, and a
// valid verdict has no failure.
func FuzzCheckArchive(f *testing.F) {
	w := newWorld(f)
	files := w.archiveFiles(f)
	// Evidence checks are fuzzed by FuzzCheck; here the archive and its
	// index are, so the seed's evidence is cheap to refuse.
	files.p7m, files.eml = []byte{0x30, 0x03, 0x02, 0x01, 0x00}, files.notice
	f.Add(files.build(f, nil))
	f.Add([]byte("PK\x05\x06" + strings.Repeat("\x00", 18)))
	anchors := verification.Anchors{Root: w.auth.Root}
	f.Fuzz(func(t *testing.T, b []byte) {
		r := verification.CheckArchive(bytes.NewReader(b), int64(len(b)), anchors)
		if r.Valid != (r.Failed == 0 && r.FailedCheck == "") {
			t.Fatalf("verdict %v with %d failures (%s)", r.Valid, r.Failed, r.FailedCheck)
		}
	})
}
