package api_test

import (
	"archive/zip"
	"bytes"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/export"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestExport: a sender exports a letter with attachments (the copy as
// stored, its integrity value intact), the sent folder as an mbox that
// reads back letter by letter with its "From " lines quoted, and the
// whole account as an archive whose index lists every letter of every
// folder and every evidence file, and which verification checks whole;
// a changed byte fails it, naming the file. A recipient at normal gets
// their personal letter left out, and said so; at high, everything.
// A folder that is none, and no session, are refused before any byte.
func TestExport(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	anchors := verification.Anchors{Root: root}
	anna := e.Open(pt.PersonApp("Anna", "Ausfuhr"), true)
	ben := e.Open(pt.PersonApp("Ben", "Ausfuhr"), true)
	annaC := anna.High()
	pdf := bytes.Repeat([]byte{0, 1, 2, 0xff}, 30000) // a blob file, not inline
	withAtt := must[*api.SendResponse](t)(annaC.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "Vertrag",
		Text: "anbei\nFrom here on, quoted\n>From there too", DispatchConfirmation: true, ReceiptConfirmation: true, PrivateID: "V-1",
		Attachments: []api.Attachment{{Filename: "vertrag.pdf", ContentType: "application/pdf", Data: pdf},
			{Filename: "anlage.txt", ContentType: "text/plain", Data: []byte("Anlage")}}}))
	must[*api.SendResponse](t)(annaC.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "Geheimsache",
		Text: "nur hoch", Personal: true, ReceiptConfirmation: true}))
	must[*api.SendResponse](t)(annaC.Send(ctx, &api.SendRequest{To: []string{anna.Address}, Subject: "An mich selbst",
		Text: "Notiz", DispatchConfirmation: true, ReceiptConfirmation: true}))
	runQueues(t, e)

	// One letter: the copy as stored.
	var eml bytes.Buffer
	must[int64](t)(annaC.ExportLetter(ctx, withAtt.ID, &eml))
	if raw := must[[]byte](t)(annaC.Raw(ctx, withAtt.ID)); !bytes.Equal(eml.Bytes(), raw) {
		t.Fatal("the exported letter is not the copy as stored")
	}
	if r := verification.Check(eml.Bytes(), anchors); !r.Valid || r.Kind != verification.KindLetter {
		t.Fatalf("the exported letter: %+v", r)
	}

	// A folder: an mbox that reads back letter by letter.
	var mbox bytes.Buffer
	res := must[*client.ExportResult](t)(annaC.ExportFolder(ctx, "sent", &mbox))
	sent := inbox(t, annaC, "sent")
	if res.Letters != len(sent) || res.Withheld != 0 || len(sent) != 3 {
		t.Fatalf("export of sent: %+v, sent holds %d", res, len(sent))
	}
	if !strings.Contains(mbox.String(), "\r\n>From here on, quoted\r\n>>From there too") {
		t.Errorf("the mbox does not quote the From lines:\n%.3000s", mbox.String())
	}
	var read [][]byte
	if err := export.ReadMbox(&mbox, 64<<20, func(m export.MboxMessage) error {
		if m.Sender != anna.Address || m.Date.IsZero() {
			t.Errorf("From line: %q %v", m.Sender, m.Date)
		}
		read = append(read, m.Raw)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(read) != len(sent) {
		t.Fatalf("the mbox holds %d messages, want %d", len(read), len(sent))
	}
	for i, l := range sent { // newest first, as listed
		if raw := must[[]byte](t)(annaC.Raw(ctx, l.ID)); !bytes.Equal(read[i], raw) {
			t.Errorf("message %d of the mbox is not %s as stored", i, l.ID)
		}
		if err := letter.VerifyIntegrity(read[i]); err != nil {
			t.Errorf("message %d: %v", i, err)
		}
	}

	// The account: every letter of every folder, every evidence file.
	archive := exportAccount(t, annaC)
	idx, files := readArchive(t, archive)
	wantPaths := map[string]bool{}
	for _, f := range []string{"inbox", "sent", "confirmations", "trash"} {
		for _, l := range inbox(t, annaC, f) {
			wantPaths[export.LetterPath(f, l.ID)] = true
		}
	}
	evidence := 0
	for _, l := range sent {
		evidence += len(must[*api.EvidenceList](t)(annaC.Evidence(ctx, l.ID)).Evidence)
	}
	var letters, evs []string
	for _, f := range idx.Files {
		if _, ok := files[f.Path]; !ok {
			t.Errorf("index lists %q, not in the archive", f.Path)
		}
		if f.Type == export.TypeLetter {
			letters = append(letters, f.Path)
			if !wantPaths[f.Path] {
				t.Errorf("letter %s is in no folder", f.Path)
			}
		} else {
			evs = append(evs, f.Event)
			if f.Letter == "" || f.Confirmation == "" || f.At == nil {
				t.Errorf("evidence entry %+v", f)
			}
		}
	}
	if len(letters) != len(wantPaths) || idx.Letters != len(wantPaths) || idx.Withheld != 0 {
		t.Errorf("archive lists %d letters (%d withheld), the folders hold %d", len(letters), idx.Withheld, len(wantPaths))
	}
	// The letter to herself: its dispatch confirmation once, not with each copy.
	if len(evs) != evidence || evidence != 5 {
		t.Errorf("archive lists evidence %v, want %d files", evs, evidence)
	}
	r := verification.CheckArchive(bytes.NewReader(archive), int64(len(archive)), anchors)
	if !r.Valid || r.Letters != len(wantPaths) || r.Evidence != evidence {
		t.Fatalf("the archive: %s %s (%d letters, %d evidence)", r.FailedCheck, r.Reason, r.Letters, r.Evidence)
	}
	tampered := rezipArchive(t, archive, "sent/"+withAtt.ID+".eml", func(b []byte) []byte {
		return bytes.Replace(b, []byte("anbei"), []byte("anbeI"), 1)
	})
	r = verification.CheckArchive(bytes.NewReader(tampered), int64(len(tampered)), anchors)
	if r.Valid || r.FailedCheck != verification.CheckHash || !strings.HasPrefix(r.Reason, "sent/"+withAtt.ID+".eml: ") {
		t.Errorf("a tampered archive: %v %s %s", r.Valid, r.FailedCheck, r.Reason)
	}

	// Ben at normal: his personal letter is left out, and said so.
	benNormal := ben.C
	mbox.Reset()
	res = must[*client.ExportResult](t)(benNormal.ExportFolder(ctx, "inbox", &mbox))
	if res.Letters != 1 || res.Withheld != 1 || strings.Contains(mbox.String(), "nur hoch") || strings.Contains(mbox.String(), "Geheimsache") {
		t.Errorf("ben's inbox at normal: %+v", res)
	}
	archive = exportAccount(t, benNormal)
	idx, files = readArchive(t, archive)
	if idx.Withheld != 2 || idx.Level != "normal" { // the letter, and its receipt confirmation
		t.Errorf("ben's archive at normal: %d withheld at %s", idx.Withheld, idx.Level)
	}
	for name, b := range files {
		if bytes.Contains(b, []byte("Geheimsache")) || bytes.Contains(b, []byte("nur hoch")) {
			t.Errorf("a personal letter's subject or text is in %s of the archive at normal", name)
		}
	}
	r = verification.CheckArchive(bytes.NewReader(archive), int64(len(archive)), anchors)
	if !r.Valid || r.Withheld != 2 {
		t.Errorf("ben's archive at normal: %+v", r)
	}
	// At high: everything.
	archive = exportAccount(t, ben.High())
	idx, _ = readArchive(t, archive)
	if idx.Withheld != 0 || idx.Letters != 4 || idx.Evidence != 2 { // 2 letters, 2 receipt confirmations; their evidence
		t.Errorf("ben's archive at high: %d letters, %d evidence, %d withheld", idx.Letters, idx.Evidence, idx.Withheld)
	}
	if r := verification.CheckArchive(bytes.NewReader(archive), int64(len(archive)), anchors); !r.Valid {
		t.Errorf("ben's archive at high: %s %s", r.FailedCheck, r.Reason)
	}

	_, err = annaC.ExportFolder(ctx, "drafts", io.Discard)
	wantErr(t, err, 400, "invalid", "folder")
	_, err = e.Public.ExportAccount(ctx, io.Discard)
	wantErr(t, err, 401, "unauthenticated", "")
	_, err = benNormal.ExportLetter(ctx, mailCopyID(t, benNormal, "Geheimsache", ben), io.Discard)
	wantErr(t, err, 403, "login_level", "")
}

// mailCopyID is the id of u's inbox copy with subject (read at high).
func mailCopyID(t *testing.T, _ *client.Client, subject string, u *pt.User) string {
	t.Helper()
	for _, l := range inbox(t, u.High(), "inbox") {
		if l.Subject == subject {
			return l.ID
		}
	}
	t.Fatalf("no %q in the inbox", subject)
	return ""
}

func exportAccount(t *testing.T, c *client.Client) []byte {
	t.Helper()
	var buf bytes.Buffer
	res := must[*client.ExportResult](t)(c.ExportAccount(t.Context(), &buf))
	if res.Bytes != int64(buf.Len()) {
		t.Fatalf("export result %+v for %d bytes", res, buf.Len())
	}
	return buf.Bytes()
}

// readArchive reads an archive's index and files.
func readArchive(t *testing.T, b []byte) (*export.Index, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name], _ = io.ReadAll(rc)
		rc.Close()
	}
	idx, err := export.ReadIndex(bytes.NewReader(files[export.IndexJSON]))
	if err != nil {
		t.Fatal(err)
	}
	return idx, files
}

// rezipArchive changes one file of an archive.
func rezipArchive(t *testing.T, b []byte, name string, change func([]byte) []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	found := false
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		if f.Name == name {
			data, found = change(data), true
		}
		w, _ := zw.Create(f.Name)
		w.Write(data)
	}
	zw.Close()
	if !found {
		t.Fatalf("no %s in the archive", name)
	}
	return out.Bytes()
}

// TestExportStreams: an account of 2,000 letters of 64 KiB each (128 MiB,
// put straight into the store) is exported through the API as a stream:
// the process's heap grows by far less than the archive, whose index lists
// all 2,000 and which checks whole.
func TestExportStreams(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 128 MiB")
	}
	e := pt.New(t)
	ctx := t.Context()
	u := e.Open(pt.PersonApp("Viola", "Vielpost"), false)
	// 128 MiB is more than the default quota, and the notice that the
	// mailbox is full would be a 2,001st letter: an officer gives it room.
	if _, err := e.Officer1.SetQuota(ctx, u.ID, 1024); err != nil {
		t.Fatal(err)
	}
	// Under the race detector, small letters: the count is what matters
	// there, and the heap is not measured.
	const n = 2000
	size := 64 << 10
	if raceDetector {
		size = 2 << 10
	}
	text := make([]byte, size*3/4)
	rand.Read(text)
	m, err := letter.Build(letter.Draft{MessageID: store.NewID(e.Clock.Now()), From: "jemand@" + e.Domain,
		To: []string{u.Address}, Subject: "Massensendung", Attachments: []letter.Attachment{{Filename: "daten.bin",
			ContentType: "application/octet-stream", Data: text}}, AuthLevel: account.Normal, Provider: e.Domain, Date: e.Clock.Now()})
	if err != nil {
		t.Fatal(err)
	}
	t0 := e.Clock.Now()
	l := &store.Letter{ID: store.NewID(t0), MessageID: m.MessageID(), SenderAddress: "jemand@" + e.Domain,
		Subject: "Massensendung", AuthLevel: account.Normal, Attachments: 1, SubmittedAt: t0}
	h := m.BodyHash()
	l.BodyHash = h[:]
	if err := e.P.Mail.StoreBody(ctx, l, m.Body()); err != nil {
		t.Fatal(err)
	}
	header := m.Header(letter.ViewRecipient, "")
	copies := make([]*store.Copy, n)
	for i := range copies {
		at := t0.Add(time.Duration(i) * time.Second)
		copies[i] = &store.Copy{ID: store.NewID(at), LetterID: l.ID, AccountID: u.ID, Folder: store.Inbox, Role: "to",
			Header: header, Arrived: at}
	}
	if err := e.P.Store.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(copies...)
	}); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	var peak atomic.Uint64
	done := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
			}
			runtime.ReadMemStats(&ms)
			if ms.HeapAlloc > peak.Load() {
				peak.Store(ms.HeapAlloc)
			}
		}
	}()
	res, err := u.C.ExportAccount(ctx, f)
	close(done)
	<-sampled
	if err != nil {
		t.Fatal(err)
	}
	total := int64(n) * int64(len(header)+len(m.Body()))
	grew := int64(peak.Load()) - int64(base.HeapAlloc)
	t.Logf("exported %d letters, %d MiB of messages, in a %d MiB archive; the heap grew by at most %d MiB",
		res.Letters, total>>20, res.Bytes>>20, grew>>20)
	if res.Letters != n {
		t.Fatalf("exported %d letters, want %d", res.Letters, n)
	}
	if !raceDetector && grew > total/3 {
		t.Errorf("the heap grew by %d MiB exporting %d MiB: the export is built in memory, not streamed", grew>>20, total>>20)
	}
	st, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	r := verification.CheckArchive(f, st.Size(), verification.Anchors{Root: root})
	if !r.Valid || r.Letters != n || len(r.Files) != n {
		t.Fatalf("the archive of %d letters: %d letters, %s %s", n, r.Letters, r.FailedCheck, r.Reason)
	}
	if !slices.ContainsFunc(r.Files, func(f verification.ArchiveFile) bool { return f.Path == export.LetterPath("inbox", copies[0].ID) }) {
		t.Error("the oldest letter is not in the archive")
	}
}

// TestExportBrokenOff: the client takes an export as whole only when its
// trailer says so; a body that ends without it, or with "failed", is an
// error, whatever bytes came before.
func TestExportBrokenOff(t *testing.T) {
	t.Parallel()
	for _, status := range []string{"", "failed"} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Trailer", api.TrailerExportStatus)
			w.Write([]byte("From x Tue Mar  2 09:00:00 2027\r\n"))
			if status != "" {
				w.Header().Set(api.TrailerExportStatus, status)
			}
		}))
		c := &client.Client{BaseURL: srv.URL, HTTP: srv.Client()}
		var buf bytes.Buffer
		if _, err := c.ExportFolder(t.Context(), "inbox", &buf); err == nil || !strings.Contains(err.Error(), "broke off") {
			t.Errorf("status %q: %v", status, err)
		}
		srv.Close()
	}
}
