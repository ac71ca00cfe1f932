package web_test

import (
	"bytes"
	"crypto/sha256"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestMailReplyForward: the letter page offers reply and forward; the reply
// form carries the letter's id, so that the reply is threaded to it, and the
// forward form carries the letter on: its text quoted, its attachments with it
// (TR PVD-FU §3.1.3.6). A personal letter is forwarded only at high.
func TestMailReplyForward(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Webantwort"), true)
	bert := e.Open(pt.PersonApp("Bert", "Webantwort"), true)
	carl := e.Open(pt.PersonApp("Carl", "Webantwort"), true)
	orig := mailSend(t, anna.C, &api.SendRequest{To: []string{bert.Address}, Subject: "Anhörung", Text: "Bitte äußern Sie sich.",
		Attachments: []api.Attachment{{Filename: "anhörung.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}, PrivateID: "AZ 12"})
	id := mailCopy(t, bert.C, "inbox", "Anhörung")
	b := newMailBrowser(t, e)
	b.login(bert)
	mailWant(t, b.get("/letter/"+id), http.StatusOK, `href="/compose?reply=`+id+`"`, `href="/compose?forward=`+id+`"`)

	p := b.get("/compose?reply=" + id)
	mailWant(t, p, http.StatusOK, `name="reply_to" value="`+id+`"`, `value="AW: Anhörung"`, `value="AZ 12"`)
	p = b.postMultipart("/compose", url.Values{"to": {anna.Address}, "subject": {"AW: Anhörung"}, "text": {"Ich äußere mich."},
		"private_id": {"AZ 12"}, "reply_to": {id}})
	mailWant(t, p, http.StatusOK, "Ich äußere mich.")
	reply, err := anna.C.Letter(t.Context(), mailCopy(t, anna.C, "inbox", "AW: Anhörung"))
	if err != nil || reply.InReplyTo != orig.MessageID+"@"+pt.Domain || reply.Options.PrivateID != "AZ 12" {
		t.Fatalf("reply: %v %+v", err, reply)
	}

	p = b.get("/compose?forward=" + id)
	mailWant(t, p, http.StatusOK, `name="forward" value="`+id+`"`, `value="WG: Anhörung"`, "Sie leiten einen Brief weiter")
	p = b.postMultipart("/compose", url.Values{"to": {carl.Address}, "subject": {"WG: Anhörung"}, "text": {"Zur Kenntnis."},
		"forward": {id}})
	mailWant(t, p, http.StatusOK, "&gt; Bitte äußern Sie sich.", "anhörung.pdf")
	fw, err := carl.C.Letter(t.Context(), mailCopy(t, carl.C, "inbox", "WG: Anhörung"))
	if err != nil || !strings.HasPrefix(fw.Text, "Zur Kenntnis.\n\n") || len(fw.AttachmentList) != 1 {
		t.Fatalf("forward: %v %+v", err, fw)
	}

	// A personal letter: at normal the form has nothing to forward, and a
	// forward posted anyway is refused next to the note.
	mailSend(t, anna.High(), &api.SendRequest{To: []string{bert.Address}, Subject: "Vertraulich", Text: "v", Personal: true})
	personal := mailCopy(t, bert.C, "inbox", anna.Address)
	mailLacks(t, b.get("/compose?forward="+personal), `name="forward"`)
	p = b.postMultipart("/compose", url.Values{"to": {carl.Address}, "subject": {"WG"}, "text": {"x"}, "forward": {personal}})
	mailWant(t, p, http.StatusForbidden, "Einen persönlichen Brief leiten Sie nur mit zweitem Faktor angemeldet weiter")
	b.stepUp(bert, "/mail/inbox")
	mailWant(t, b.get("/compose?forward="+personal), http.StatusOK, `name="forward" value="`+personal+`"`)
}

// TestMailEndToEnd: a letter whose sender's client signed or encrypted it,
// received from another provider, shows that it is end-to-end protected and
// how, and its stored bytes are those received (TR PVD-FU §3.2.2).
func TestMailEndToEnd(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	erika := e.Open(pt.PersonApp("Erika", "Endezuende"), false)
	for _, kind := range pt.EndToEndKinds {
		msg, err := pt.EndToEndLetter(kind, "amt@andere.siegel.test", erika.Address, "andere.siegel.test", kind, e.Clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(msg, []byte("\r\n\r\n")) + 4
		parsed, err := letter.Parse(msg)
		if err != nil {
			t.Fatal(err)
		}
		in := &mailbox.Inbound{Header: msg[:i], Body: msg[i:], Letter: parsed, BodyHash: sha256.Sum256(msg[i:]), Recipient: erika.Address}
		if err := e.P.Mail.Receive(t.Context(), in); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
		raw, err := erika.C.Raw(t.Context(), mailCopy(t, erika.C, "inbox", kind))
		if err != nil || !bytes.Equal(raw, msg) {
			t.Fatalf("%s: stored bytes differ: %v", kind, err)
		}
		if _, err := letter.CheckIntegrity(raw); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}
	b := newMailBrowser(t, e)
	b.login(erika)
	for kind, shows := range map[string]string{letter.SMIMESigned: "signiert (S/MIME)", letter.SMIMEEncrypted: "verschlüsselt (S/MIME)",
		letter.OpenPGPSigned: "signiert (OpenPGP)", letter.OpenPGPEncrypted: "verschlüsselt (OpenPGP)"} {
		p := b.get("/letter/" + mailCopy(t, erika.C, "inbox", kind))
		mailWant(t, p, http.StatusOK, `data-e2e="`+kind+`"`, "Ende-zu-Ende", shows, "unverändert weitergegeben")
	}
	// An ordinary letter says nothing of the kind.
	mailSend(t, erika.C, &api.SendRequest{To: []string{erika.Address}, Subject: "schlicht", Text: "x"})
	p := b.get("/letter/" + mailCopy(t, erika.C, "inbox", "schlicht"))
	mailLacks(t, p, "data-e2e=")
}
