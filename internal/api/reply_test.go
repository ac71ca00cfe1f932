package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/letter"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestReplyAndForward: a reply threads to the letter it answers, goes to its
// sender and carries the file number; a forward quotes the letter and carries
// its attachments (TR PVD-FU §3.1.3.6).
func TestReplyAndForward(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Antwort"), true)
	ben := e.Open(pt.PersonApp("Ben", "Antwort"), true)
	carl := e.Open(pt.PersonApp("Carl", "Kenntnis"), false)
	pdf := []byte("%PDF-1.7 Vertrag")
	orig := must[*api.SendResponse](t)(anna.C.Send(ctx, &api.SendRequest{To: []string{ben.Address},
		Subject: "Vertrag", Text: "Sehr geehrter Herr Antwort,\nanbei der Vertrag.\n> schon zitiert",
		Attachments: []api.Attachment{{Filename: "vertrag.pdf", ContentType: "application/pdf", Data: pdf}},
		PrivateID:   "AZ 4711"}))
	benCopy := inbox(t, ben.C, "inbox")[0].ID

	// The reply: recipient, subject and file number filled in, threaded.
	res := must[*api.SendResponse](t)(ben.C.Send(ctx, &api.SendRequest{ReplyTo: benCopy, Text: "Danke."}))
	if !slices.Equal(res.Recipients, []string{anna.Address}) {
		t.Fatalf("reply went to %v", res.Recipients)
	}
	origID := orig.MessageID + "@" + pt.Domain
	got := inbox(t, anna.C, "inbox")
	if len(got) != 1 || got[0].Subject != "Re: Vertrag" || got[0].Options.PrivateID != "AZ 4711" {
		t.Fatalf("anna's inbox %+v", got)
	}
	reply := must[*api.Letter](t)(anna.C.Letter(ctx, got[0].ID))
	if reply.InReplyTo != origID || !slices.Equal(reply.References, []string{origID}) || reply.Text != "Danke." {
		t.Fatalf("reply %+v", reply)
	}
	raw := must[[]byte](t)(anna.C.Raw(ctx, got[0].ID))
	if !bytes.Contains(raw, []byte("\r\nIn-Reply-To: <"+origID+">\r\n")) || letter.VerifyIntegrity(raw) != nil {
		t.Fatalf("reply raw:\n%s", raw)
	}

	// Anna answers the answer, with a file number of her own and a subject
	// that keeps its prefix: the thread grows.
	must[*api.SendResponse](t)(anna.C.Send(ctx, &api.SendRequest{ReplyTo: got[0].ID, Text: "Gern.", PrivateID: "AZ 1"}))
	var again api.LetterSummary
	for _, l := range inbox(t, ben.C, "inbox") {
		if l.ID != benCopy {
			again = l
		}
	}
	second := must[*api.Letter](t)(ben.C.Letter(ctx, again.ID))
	if second.Subject != "Re: Vertrag" || second.Options.PrivateID != "AZ 1" || second.InReplyTo != res.MessageID+"@"+pt.Domain ||
		len(second.References) != 2 || second.References[0] != origID {
		t.Fatalf("second reply %+v", second)
	}
	// Answering one's own letter goes to its recipients again.
	follow := must[*api.SendResponse](t)(anna.C.Send(ctx, &api.SendRequest{ReplyTo: orig.ID, Text: "Nachtrag", Subject: "Nachtrag"}))
	if !slices.Equal(follow.Recipients, []string{ben.Address}) {
		t.Fatalf("follow-up went to %v", follow.Recipients)
	}

	// The forward: Ben's note, then the letter quoted, its attachment carried.
	must[*api.SendResponse](t)(ben.C.Send(ctx, &api.SendRequest{Forward: benCopy, To: []string{carl.Address},
		Text: "Zur Kenntnis.", Attachments: []api.Attachment{{Filename: "notiz.txt", Data: []byte("n")}}}))
	fw := must[*api.Letter](t)(carl.C.Letter(ctx, inbox(t, carl.C, "inbox")[0].ID))
	for _, want := range []string{"Zur Kenntnis.\n\n-------- Forwarded letter --------\nFrom: ", anna.Address,
		"Subject: Vertrag\nFile number: AZ 4711\n\n> Sehr geehrter Herr Antwort,\n> anbei der Vertrag.\n>> schon zitiert"} {
		if !strings.Contains(fw.Text, want) {
			t.Errorf("forward text lacks %q:\n%s", want, fw.Text)
		}
	}
	if fw.Subject != "Fwd: Vertrag" || fw.Options.PrivateID != "" || len(fw.AttachmentList) != 2 ||
		fw.AttachmentList[0].Filename != "notiz.txt" || fw.AttachmentList[1].Filename != "vertrag.pdf" ||
		!slices.Equal(fw.References, []string{origID}) || fw.InReplyTo != "" {
		t.Fatalf("forward %+v", fw)
	}
	if data := must[[]byte](t)(carl.C.Attachment(ctx, fw.ID, 1)); !bytes.Equal(data, pdf) {
		t.Fatalf("carried attachment %q", data)
	}
}

// TestReplyAndForwardRefused: only one's own letters, not both at once, a
// forward needs recipients, and a personal letter needs high (DMG §5(4)).
func TestReplyAndForwardRefused(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Abgelehnt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Abgelehnt"), true)
	carl := e.Open(pt.PersonApp("Carl", "Abgelehnt"), true)
	must[*api.SendResponse](t)(anna.C.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "s", Text: "t"}))
	id := inbox(t, ben.C, "inbox")[0].ID

	_, err := ben.C.Send(ctx, &api.SendRequest{ReplyTo: "0123", Text: "x"})
	wantErr(t, err, http.StatusNotFound, "not_found", "reply_to")
	_, err = carl.C.Send(ctx, &api.SendRequest{ReplyTo: id, Text: "x"})
	wantErr(t, err, http.StatusNotFound, "not_found", "reply_to")
	_, err = carl.C.Send(ctx, &api.SendRequest{Forward: id, To: []string{anna.Address}})
	wantErr(t, err, http.StatusNotFound, "not_found", "forward")
	_, err = ben.C.Send(ctx, &api.SendRequest{ReplyTo: id, Forward: id, To: []string{carl.Address}})
	wantErr(t, err, http.StatusBadRequest, "reply_and_forward", "forward")
	_, err = ben.C.Send(ctx, &api.SendRequest{Forward: id})
	wantErr(t, err, http.StatusBadRequest, "required", "to")

	// A personal letter: Ben reads it only at high, so he answers and
	// forwards it only at high.
	annaHigh := anna.High()
	must[*api.SendResponse](t)(annaHigh.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "geheim",
		Text: "persönlich", Personal: true}))
	var personal string
	for _, l := range inbox(t, ben.C, "inbox") {
		if l.Personal {
			personal = l.ID
		}
	}
	_, err = ben.C.Send(ctx, &api.SendRequest{ReplyTo: personal, Text: "x"})
	wantErr(t, err, http.StatusForbidden, "login_level", "reply_to")
	_, err = ben.C.Send(ctx, &api.SendRequest{Forward: personal, To: []string{carl.Address}})
	wantErr(t, err, http.StatusForbidden, "login_level", "forward")
	benHigh := ben.High()
	must[*api.SendResponse](t)(benHigh.Send(ctx, &api.SendRequest{Forward: personal, To: []string{carl.Address}, Personal: true}))
	must[*api.SendResponse](t)(benHigh.Send(ctx, &api.SendRequest{ReplyTo: personal, Text: "erhalten"}))
}
