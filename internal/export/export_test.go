package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/export"
)

var at = time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)

// TestMboxQuoting: mboxrd quotes every line that begins with "From "
// after any number of ">", and reading takes exactly one ">" off again,
// so that each message comes back byte for byte.
func TestMboxQuoting(t *testing.T) {
	msgs := [][]byte{
		[]byte("From: anna@example.org\r\nSubject: eins\r\n\r\nFrom here on\r\n>From there\r\n>>From afar\r\nFrom\r\n"),
		[]byte("Subject: zwei\r\n\r\nno end of line"),
		[]byte(""),
		[]byte("From the start\r\n\r\n\r\n"),
	}
	var buf bytes.Buffer
	mb := export.NewMboxWriter(&buf)
	for i, m := range msgs {
		sender := []string{"anna@example.org", "", "a b@c", "x@y"}[i]
		if err := mb.Add(sender, at.Add(time.Duration(i)*time.Hour), m); err != nil {
			t.Fatal(err)
		}
	}
	if err := mb.Flush(); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"From anna@example.org Tue Mar  2 09:00:00 2027\r\n",
		"\r\n>From here on\r\n>>From there\r\n>>>From afar\r\nFrom\r\n\r\n",
		"From MAILER-DAEMON Tue Mar  2 10:00:00 2027\r\n",
		"no end of line\r\n\r\nFrom MAILER-DAEMON",
		"From x@y Tue Mar  2 12:00:00 2027\r\n>From the start\r\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("mbox lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(strings.ReplaceAll(out, "\r\n", ""), "\n") {
		t.Error("a bare LF in the mbox: CRLF throughout")
	}
	var got []export.MboxMessage
	if err := export.ReadMbox(strings.NewReader(out), 1<<20, func(m export.MboxMessage) error {
		got = append(got, m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(msgs) {
		t.Fatalf("read %d messages, want %d", len(got), len(msgs))
	}
	for i, m := range msgs {
		want := normalize(m)
		if !bytes.Equal(got[i].Raw, want) {
			t.Errorf("message %d: %q, want %q", i, got[i].Raw, want)
		}
		if !got[i].Date.Equal(at.Add(time.Duration(i) * time.Hour)) {
			t.Errorf("message %d: date %v", i, got[i].Date)
		}
	}
	if got[0].Sender != "anna@example.org" || got[1].Sender != "MAILER-DAEMON" {
		t.Errorf("senders %q %q", got[0].Sender, got[1].Sender)
	}
	if err := export.ReadMbox(strings.NewReader("Subject: no mbox\r\n"), 1<<20, func(export.MboxMessage) error { return nil }); err == nil {
		t.Error("a file without a From line read as an mbox")
	}
	if err := export.ReadMbox(strings.NewReader(out), 20, func(export.MboxMessage) error { return nil }); err == nil {
		t.Error("a message over the limit read")
	}
}

// normalize is a message as an mbox gives it back: ending in a line end.
func normalize(m []byte) []byte {
	if len(m) > 0 && m[len(m)-1] != '\n' {
		return append(append([]byte(nil), m...), '\r', '\n')
	}
	return m
}

// FuzzMbox: whatever the messages, reading the mbox written of them gives
// them back (each ending in a line end), and reading any bytes fails
// cleanly or gives messages.
func FuzzMbox(f *testing.F) {
	f.Add([]byte("From x\r\n>From y\r\n"), []byte("a\nFrom b"), []byte(""))
	f.Add([]byte(">>From \n\n"), []byte("\r"), []byte("From "))
	f.Fuzz(func(t *testing.T, a, b, c []byte) {
		var buf bytes.Buffer
		mb := export.NewMboxWriter(&buf)
		for _, m := range [][]byte{a, b, c} {
			mb.Add("s@x", at, m)
		}
		mb.Flush()
		var got [][]byte
		err := export.ReadMbox(bytes.NewReader(buf.Bytes()), 1<<20, func(m export.MboxMessage) error {
			got = append(got, m.Raw)
			return nil
		})
		if err != nil || len(got) != 3 {
			t.Fatalf("read %d messages (%v) of\n%q", len(got), err, buf.Bytes())
		}
		for i, m := range [][]byte{a, b, c} {
			if want := normalize(m); !bytes.Equal(got[i], want) {
				t.Fatalf("message %d: %q, want %q", i, got[i], want)
			}
		}
		export.ReadMbox(bytes.NewReader(a), 1<<10, func(export.MboxMessage) error { return nil })
	})
}

// TestArchive writes an archive and reads it back: the letters and
// evidence as given, index.json listing each with its SHA-256, a withheld
// letter listed without content, and index.txt for people.
func TestArchive(t *testing.T) {
	var buf bytes.Buffer
	a, err := export.NewArchive(&buf, export.Index{Account: "anna@example.org", Provider: "example.org", Created: at, Level: "normal"}, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	letter := []byte("From: anna@example.org\r\nX-de-mail-integrity: v=1; a=sha256; bh=x\r\nSubject: s\r\n\r\nbody\r\n")
	arrived := at.Add(-time.Hour)
	if err := a.AddLetter(export.Entry{Path: export.LetterPath("sent", "0001"), Folder: "sent", CopyID: "0001",
		Subject: "Kündigung\r\nBcc: x", Arrived: &arrived, Options: []string{"receipt_confirmation"}}, letter); err != nil {
		t.Fatal(err)
	}
	if err := a.AddEvidence(export.Entry{Path: export.EvidencePath("ContentConsignment", "ev/1 ü"), EvidenceID: "ev/1 ü",
		Event: "ContentConsignment", At: &at, Letter: "sent/0001.eml"}, []byte{0x30, 1, 2}); err != nil {
		t.Fatal(err)
	}
	if err := a.AddWithheld(export.Entry{Folder: "inbox", CopyID: "0002", From: "ben@example.org", Subject: "geheim",
		Personal: true, Arrived: &arrived}); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, _ := f.Open()
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	if len(files) != 4 || !bytes.Equal(files["sent/0001.eml"], letter) {
		t.Fatalf("archive holds %d files", len(files))
	}
	idx, err := export.ReadIndex(bytes.NewReader(files[export.IndexJSON]))
	if err != nil {
		t.Fatalf("%v\n%s", err, files[export.IndexJSON])
	}
	if idx.Account != "anna@example.org" || idx.Letters != 1 || idx.Evidence != 1 || idx.Withheld != 1 || len(idx.Files) != 3 {
		t.Fatalf("index %+v", idx)
	}
	if e := idx.Files[0]; e.Kind != export.KindLetter || e.Size != int64(len(letter)) || len(e.SHA256) != 64 {
		t.Errorf("letter entry %+v", e)
	}
	ev := idx.Files[1]
	if _, ok := files[ev.Path]; !ok || !strings.HasPrefix(ev.Path, "evidence/ContentConsignment-ev_1__~") {
		t.Errorf("evidence path %q", ev.Path)
	}
	if w := idx.Files[2]; w.Path != "" || w.Subject != "" || w.Withheld != export.WithheldPersonal || !w.Personal {
		t.Errorf("withheld entry %+v", w)
	}
	txt := string(files[export.IndexText])
	for _, want := range []string{"anna@example.org", "sent/0001.eml", "subject: Kündigung  Bcc: x", "receipt_confirmation",
		"ContentConsignment at 2027-03-02T09:00:00Z", "[withheld] inbox, from ben@example.org", "siegel verify"} {
		if !strings.Contains(txt, want) {
			t.Errorf("index.txt lacks %q:\n%s", want, txt)
		}
	}
	if strings.Contains(txt, "geheim") || bytes.Contains(files[export.IndexJSON], []byte("geheim")) {
		t.Error("a withheld letter's subject is in the index")
	}
}

// FuzzReadIndex: ReadIndex survives any bytes, and what it accepts has
// clean paths and hex hashes.
func FuzzReadIndex(f *testing.F) {
	good, _ := json.Marshal(export.Index{Format: export.Format, Files: []export.Entry{
		{Type: "letter", Kind: "letter", Path: "inbox/1.eml", SHA256: strings.Repeat("ab", 32)},
		{Type: "letter", Withheld: "personal"},
		{Type: "evidence", Path: "evidence/x.p7m", SHA256: strings.Repeat("0", 64)}}})
	f.Add(good)
	f.Add([]byte(`{"format":"siegel-export/1","files":[{"type":"letter","kind":"letter","path":"../x","sha256":""}]}`))
	f.Add([]byte(`{"format":"siegel-export/1"} {}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		idx, err := export.ReadIndex(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, e := range idx.Files {
			if e.Path == "" {
				continue
			}
			if err := export.CheckPath(e.Path); err != nil || strings.Contains(e.Path, "..") && strings.Contains("/"+e.Path+"/", "/../") {
				t.Fatalf("accepted path %q", e.Path)
			}
		}
	})
}
