package api_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/letter"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

func inbox(t *testing.T, c *client.Client, folder string) []api.LetterSummary {
	t.Helper()
	l, err := c.List(t.Context(), folder, 200, "")
	if err != nil {
		t.Fatal(err)
	}
	return l.Letters
}

func TestLetterCopiesAndBcc(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Anna", "Absender"), false)
	to := e.Open(pt.PersonApp("Tom", "To"), false)
	cc := e.Open(pt.PersonApp("Carl", "Cc"), false)
	b1 := e.Open(pt.PersonApp("Bea", "Blind"), false)
	b2 := e.Open(pt.PersonApp("Bob", "Blind"), false)
	pdf := bytes.Repeat([]byte{0, 1, 2, 0xff}, 30000) // over the inline limit: a blob file
	res := must[*api.SendResponse](t)(a.C.Send(ctx, &api.SendRequest{To: []string{to.Address}, Cc: []string{cc.Address},
		Bcc: []string{b1.Address, strings.ToUpper(b2.Address)}, Subject: "Bescheid über Ihren Antrag", Text: "Grüße\nzweite Zeile",
		Attachments:          []api.Attachment{{Filename: "bescheid.pdf", ContentType: "application/pdf", Data: pdf}},
		DispatchConfirmation: true, ReceiptConfirmation: true, PrivateID: "AZ-17/2027"}))
	if len(res.Recipients) != 4 || res.MessageID == "" || res.AcceptedAt.IsZero() {
		t.Fatalf("send response %+v", res)
	}
	sent := inbox(t, a.C, "sent")
	if len(sent) != 1 || sent[0].ID != res.ID || sent[0].Subject != "Bescheid über Ihren Antrag" {
		t.Fatalf("sent folder %+v", sent)
	}
	for _, u := range []*pt.User{to, cc, b1, b2} {
		got := inbox(t, u.C, "inbox")
		if len(got) != 1 || got[0].From != a.Address || got[0].Read || got[0].Options.PrivateID != "AZ-17/2027" {
			t.Fatalf("%s inbox %+v", u.Address, got)
		}
		l := must[*api.Letter](t)(u.C.Letter(ctx, got[0].ID))
		if l.Text != "Grüße\nzweite Zeile" || len(l.AttachmentList) != 1 || l.AttachmentList[0].Size != len(pdf) {
			t.Fatalf("%s letter %+v", u.Address, l)
		}
		data := must[[]byte](t)(u.C.Attachment(ctx, got[0].ID, 0))
		if !bytes.Equal(data, pdf) {
			t.Fatal("attachment differs")
		}
		// Bcc: a To or Cc recipient never learns of the blind copies; each bcc
		// recipient sees only themselves (TR PVD-IO §3.1).
		raw := must[[]byte](t)(u.C.Raw(ctx, got[0].ID))
		if err := letter.VerifyIntegrity(raw); err != nil {
			t.Fatalf("%s: integrity: %v", u.Address, err)
		}
		p := must[*letter.Parsed](t)(letter.Parse(raw))
		switch u {
		case to, cc:
			if len(p.Bcc) != 0 || bytes.Contains(raw, []byte("blind")) {
				t.Fatalf("%s sees bcc: %v", u.Address, p.Bcc)
			}
		default:
			if len(p.Bcc) != 1 || p.Bcc[0] != u.Address {
				t.Fatalf("%s sees bcc %v", u.Address, p.Bcc)
			}
		}
		if !inbox(t, u.C, "inbox")[0].Read {
			t.Fatal("reading did not mark the letter read")
		}
	}
	// The sender's copy shows every bcc, and the events per recipient.
	mine := must[*api.Letter](t)(a.C.Letter(ctx, res.ID))
	if len(mine.Bcc) != 2 {
		t.Fatalf("sender sees bcc %v", mine.Bcc)
	}
	kinds := map[string]int{}
	for _, ev := range mine.Events {
		kinds[ev.Kind]++
	}
	if kinds["accepted"] != 1 || kinds["stored"] != 4 {
		t.Fatalf("events %v", kinds)
	}
	raw := must[[]byte](t)(a.C.Raw(ctx, res.ID))
	for _, h := range []string{"X-de-mail-confirmation-of-dispatch: yes", "X-de-mail-confirmation-of-receipt: yes",
		"X-de-mail-private: no", "X-de-mail-auth-level: normal", "X-de-mail-private-id: AZ-17/2027",
		"X-de-mail-originator-provider: " + pt.Domain, "X-de-mail-message-id: " + res.MessageID} {
		if !bytes.Contains(raw, []byte(h)) {
			t.Errorf("header %q missing", h)
		}
	}
}

func TestPaging(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Paul", "Pager"), false)
	b := e.Open(pt.PersonApp("Petra", "Pager"), false)
	for i := 0; i < 7; i++ {
		must[*api.SendResponse](t)(a.C.Send(ctx, &api.SendRequest{To: []string{b.Address}, Subject: "n", Text: "x"}))
	}
	seen := map[string]bool{}
	cursor := ""
	for pages := 0; ; pages++ {
		l := must[*api.LetterList](t)(b.C.List(ctx, "inbox", 3, cursor))
		for _, s := range l.Letters {
			if seen[s.ID] {
				t.Fatalf("letter %s twice", s.ID)
			}
			seen[s.ID] = true
		}
		if l.Next == "" {
			break
		}
		cursor = l.Next
		if pages > 5 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != 7 {
		t.Fatalf("paged %d letters, want 7", len(seen))
	}
	_, err := b.C.List(ctx, "inbox", 3, "garbage!")
	wantErr(t, err, 400, "invalid", "cursor")
	_, err = b.C.List(ctx, "spam", 3, "")
	wantErr(t, err, 400, "invalid", "folder")
	_, err = b.C.List(ctx, "inbox", 1000, "")
	wantErr(t, err, 400, "too_large", "limit")
}

func TestOnlyOwnLetters(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Ada", "Eigen"), false)
	b := e.Open(pt.PersonApp("Ben", "Eigen"), false)
	m := e.Open(pt.PersonApp("Mal", "Lory"), false)
	res := must[*api.SendResponse](t)(a.C.Send(ctx, &api.SendRequest{To: []string{b.Address}, Subject: "privat", Text: "x",
		Attachments: []api.Attachment{{Filename: "a.txt", Data: []byte("geheim")}}}))
	bid := inbox(t, b.C, "inbox")[0].ID
	for _, id := range []string{res.ID, bid} {
		_, err := m.C.Letter(ctx, id)
		wantErr(t, err, 404, "not_found", "id")
		_, err = m.C.Raw(ctx, id)
		wantErr(t, err, 404, "not_found", "id")
		_, err = m.C.Attachment(ctx, id, 0)
		wantErr(t, err, 404, "not_found", "id")
		_, err = m.C.Delete(ctx, id)
		wantErr(t, err, 404, "not_found", "id")
	}
	if len(inbox(t, m.C, "inbox")) != 0 {
		t.Fatal("a stranger's inbox lists someone else's letter")
	}
}
