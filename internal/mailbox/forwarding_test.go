package mailbox_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// forwardTo sets u's automatic forwarding at high.
func forwardTo(t *testing.T, u *pt.User, target string, excludePersonal bool) {
	t.Helper()
	if _, err := u.High().SetForwarding(t.Context(), &api.ForwardingRequest{Target: target, ExcludePersonal: excludePersonal}); err != nil {
		t.Fatalf("%s forwards to %s: %v", u.Address, target, err)
	}
}

// only returns the one letter of a folder, failing otherwise.
func only(t *testing.T, c *client.Client, name string) api.LetterSummary {
	t.Helper()
	l := folder(t, c, name)
	if len(l) != 1 {
		t.Fatalf("%s holds %d letters, want 1: %+v", name, len(l), l)
	}
	return l[0]
}

func sendLetter(t *testing.T, c *client.Client, req *api.SendRequest) *api.SendResponse {
	t.Helper()
	r, err := c.Send(t.Context(), req)
	if err != nil {
		t.Fatalf("send %q: %v", req.Subject, err)
	}
	return r
}

func evidenceOf(t *testing.T, c *client.Client, id string) []api.EvidenceInfo {
	t.Helper()
	l, err := c.Evidence(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l.Evidence
}

// TestAutoForwardLocal (TR PVD-FU §3.1.3.2): a letter with receipt
// confirmation to a holder who forwards to another account here is stored
// in the holder's inbox, and a copy goes to the forwarding address, from
// the holder's address, marked as an automatic forward, quoting the
// original with its attachment, thread and file number; the receipt is
// confirmed for the holder's copy alone, and the forward asks for no
// confirmation. The holder's copy outlives the forward, and the forward
// itself is not forwarded by a target without a forwarding of its own.
func TestAutoForwardLocal(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	sam := e.Open(pt.PersonApp("Sam", "Sender"), false)
	anna := e.Open(pt.PersonApp("Anna", "Alt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Neu"), false)
	forwardTo(t, anna, ben.Address, false)

	sent := sendLetter(t, sam.C, &api.SendRequest{To: []string{anna.Address}, Subject: "Mietvertrag", Text: "Bitte unterschreiben.",
		ReceiptConfirmation: true, PrivateID: "AZ 7/25",
		Attachments: []api.Attachment{{Filename: "vertrag.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.4 vertrag")}}})
	settle(t, e)

	kept := only(t, anna.C, "inbox")
	if kept.Subject != "Mietvertrag" {
		t.Fatalf("the holder's copy: %+v", kept)
	}
	fwd := only(t, ben.C, "inbox")
	if fwd.From != anna.Address || fwd.Subject != "Fwd: Mietvertrag" || fwd.Attachments != 1 {
		t.Fatalf("the forward: %+v", fwd)
	}
	if o := fwd.Options; o == nil || o.ReceiptConfirmation || o.DispatchConfirmation || o.PickupConfirmation || o.PrivateID != "AZ 7/25" {
		t.Fatalf("the forward's options: %+v", fwd.Options)
	}
	l, err := ben.C.Letter(ctx, fwd.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(l.Text, "> Bitte unterschreiben.") || !strings.Contains(l.Text, "File number: AZ 7/25") ||
		!strings.Contains(l.Text, anna.Address) || len(l.References) == 0 {
		t.Fatalf("the forward's text and thread:\n%s\nreferences %v", l.Text, l.References)
	}
	raw, err := ben.C.Raw(ctx, fwd.ID)
	if err != nil {
		t.Fatal(err)
	}
	head, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
	for _, want := range []string{"Auto-Submitted: auto-forwarded\r\n", mailbox.HdrForwardedFrom + ": <" + anna.Address + ">\r\n"} {
		if !bytes.Contains(head, []byte(want)) {
			t.Fatalf("the forward's header lacks %q:\n%s", want, head)
		}
	}
	// The holder keeps a record of what went out in her name.
	if s := only(t, anna.C, "sent"); s.Subject != "Fwd: Mietvertrag" {
		t.Fatalf("the holder's sent copy of the forward: %+v", s)
	}

	// The receipt: for Anna's copy only, issued once; nothing for Ben's.
	evs := evidenceOf(t, sam.C, sent.ID)
	if len(evs) != 1 || evs[0].Event != "ContentConsignment" || evs[0].Recipient != anna.Address {
		t.Fatalf("the sender's evidence: %+v", evs)
	}
	if evs := evidenceOf(t, ben.C, fwd.ID); len(evs) != 0 {
		t.Fatalf("the forward has evidence: %+v", evs)
	}
	if n := len(folder(t, anna.C, "confirmations")); n != 1 {
		t.Fatalf("the holder has %d confirmations, want her copy of the receipt", n)
	}
	if n := len(folder(t, ben.C, "confirmations")); n != 0 {
		t.Fatalf("the target has %d confirmations", n)
	}
	// Withdrawn, nothing more is forwarded.
	if err := anna.C.RemoveForwarding(ctx); err != nil {
		t.Fatal(err)
	}
	sendLetter(t, sam.C, &api.SendRequest{To: []string{anna.Address}, Subject: "Nachtrag", Text: "…"})
	settle(t, e)
	if n := len(folder(t, ben.C, "inbox")); n != 1 {
		t.Fatalf("after the forwarding ended, the target has %d letters", n)
	}
}

// TestAutoForwardNotices (TR PVD-FU §3.1.3.2; DMG §5(11)): a letter with
// pickup confirmation is never forwarded, and a personal letter is not
// when the holder excluded those: the forwarding address gets a notice
// naming sender and arrival, never the subject or content. A personal
// letter without the exclusion goes on as a personal letter. The notices
// themselves are not forwarded again.
func TestAutoForwardNotices(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Musterstadt", true), true)
	anna := e.Open(pt.PersonApp("Anna", "Alt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Neu"), true)
	carl := e.Open(pt.PersonApp("Carl", "Dritt"), false)
	forwardTo(t, anna, ben.Address, true)
	forwardTo(t, ben, carl.Address, false)
	cityC := city.High()

	sendLetter(t, cityC, &api.SendRequest{To: []string{anna.Address}, Subject: "Bescheid Geheim", Text: "Vertraulicher Inhalt", PickupConfirmation: true})
	sendLetter(t, cityC, &api.SendRequest{To: []string{anna.Address}, Subject: "Persönlich Geheim", Text: "Nur für Anna", Personal: true})
	settle(t, e)
	if n := len(folder(t, anna.C, "inbox")); n != 2 {
		t.Fatalf("the holder keeps both letters: %d", n)
	}
	benHigh := ben.High()
	notices := folder(t, benHigh, "inbox")
	if len(notices) != 2 {
		t.Fatalf("the target got %d messages, want two notices: %+v", len(notices), notices)
	}
	for _, n := range notices {
		l, err := benHigh.Letter(ctx, n.ID)
		if err != nil {
			t.Fatal(err)
		}
		if n.From != anna.Address || n.Personal || !strings.HasPrefix(n.Subject, "Benachrichtigung") ||
			!strings.Contains(l.Text, city.Address) || strings.Contains(l.Text, "Geheim") || strings.Contains(l.Text, "Inhalt") ||
			len(l.AttachmentList) != 0 {
			t.Fatalf("a notice shows more or less than sender and arrival: %+v\n%s", n, l.Text)
		}
	}
	// Ben forwards to Carl, but a notice is not passed on.
	if n := len(folder(t, carl.C, "inbox")); n != 0 {
		t.Fatalf("the notices were forwarded on: %d", n)
	}

	// Without the exclusion, a personal letter goes on as a personal one.
	forwardTo(t, anna, ben.Address, false)
	sendLetter(t, cityC, &api.SendRequest{To: []string{anna.Address}, Subject: "Persönlich Zwei", Text: "Weiter damit", Personal: true})
	settle(t, e)
	var fwd *api.LetterSummary
	for _, l := range folder(t, benHigh, "inbox") {
		if l.Subject == "Fwd: Persönlich Zwei" {
			fwd = &l
		}
	}
	if fwd == nil || !fwd.Personal {
		t.Fatalf("the personal forward: %+v", fwd)
	}
	if l := folder(t, ben.C, "inbox"); !slices.ContainsFunc(l, func(x api.LetterSummary) bool { return x.ID == fwd.ID && x.ContentHidden }) {
		t.Fatalf("the personal forward is not hidden at normal: %+v", l)
	}
}

// TestAutoForwardStops: a forward that went through MaxForwardHops
// forwards is not sent on again, and one whose forwarding address can no
// longer receive (blocked since) stays in the inbox: in both cases the
// holder gets a notice saying why, and the letter is kept.
func TestAutoForwardStops(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	sam := e.Open(pt.PersonApp("Sam", "Sender"), false)
	var chain []*pt.User
	for _, n := range []string{"Eins", "Zwei", "Drei", "Vier", "Fuenf"} {
		chain = append(chain, e.Open(pt.PersonApp("Kette", n), true))
	}
	for i := range 4 {
		forwardTo(t, chain[i], chain[i+1].Address, false)
	}
	sendLetter(t, sam.C, &api.SendRequest{To: []string{chain[0].Address}, Subject: "Rundlauf", Text: "…"})
	settle(t, e)
	// Eins → Zwei → Drei → Vier: three forwards; Vier does not send it to Fünf.
	for i, u := range chain[:4] {
		if n := len(folder(t, u.C, "inbox")); n < 1 {
			t.Fatalf("%d (%s) got nothing", i, u.Address)
		}
	}
	if n := len(folder(t, chain[4].C, "inbox")); n != 0 {
		t.Fatalf("the fourth forward went out: %d", n)
	}
	notice := holderNotice(t, chain[3].C)
	if !strings.Contains(notice, chain[0].Address) || !strings.Contains(notice, chain[4].Address) {
		t.Fatalf("the holder's notice:\n%s", notice)
	}

	// A forwarding address blocked since: the letter stays, the holder is told.
	anna := e.Open(pt.PersonApp("Anna", "Alt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Gesperrt"), false)
	forwardTo(t, anna, ben.Address, false)
	if _, err := e.Officer1.Block(ctx, ben.ID, "full", "gestohlenes Passwort"); err != nil {
		t.Fatal(err)
	}
	sendLetter(t, sam.C, &api.SendRequest{To: []string{anna.Address}, Subject: "Bleibt hier", Text: "…"})
	settle(t, e)
	if !slices.ContainsFunc(folder(t, anna.C, "inbox"), func(l api.LetterSummary) bool { return l.Subject == "Bleibt hier" }) {
		t.Fatal("the letter is not in the holder's inbox")
	}
	if notice := holderNotice(t, anna.C); !strings.Contains(notice, ben.Address) || !strings.Contains(notice, "blocked") {
		t.Fatalf("the holder's notice:\n%s", notice)
	}
}

// holderNotice is the text of the one "not forwarded" notice in c's inbox.
func holderNotice(t *testing.T, c *client.Client) string {
	t.Helper()
	var found []string
	for _, l := range folder(t, c, "inbox") {
		if strings.HasPrefix(l.Subject, "Nicht weitergeleitet") {
			o, err := c.Letter(t.Context(), l.ID)
			if err != nil {
				t.Fatal(err)
			}
			found = append(found, o.Text)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d notices to the holder, want 1", len(found))
	}
	return found[0]
}

// TestForwardingOrderLocal (TR PVD-FU §3.1.3.3): an account closed with a
// forwarding order keeps no copy of a letter sent to it: the letter is in
// the order's mailbox as if addressed there, whose receipt confirmation
// names that address and goes to its holder; the sender's events say
// where it was stored. Closing ended the account's automatic forwarding.
// Without an order, a closed account still refuses letters.
func TestForwardingOrderLocal(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	sam := e.Open(pt.PersonApp("Sam", "Sender"), false)
	anna := e.Open(pt.PersonApp("Anna", "Umzug"), true)
	ben := e.Open(pt.PersonApp("Ben", "Neu"), false)
	carl := e.Open(pt.PersonApp("Carl", "Weg"), false)
	forwardTo(t, anna, carl.Address, false)
	if _, err := e.Officer1.CloseAccount(ctx, anna.ID, &api.CloseRequest{Reason: "Umzug", ForwardTo: ben.Address}); err != nil {
		t.Fatal(err)
	}
	sent := sendLetter(t, sam.C, &api.SendRequest{To: []string{anna.Address}, Subject: "Nachsendung", Text: "…", ReceiptConfirmation: true})
	settle(t, e)
	got := only(t, ben.C, "inbox")
	if got.Subject != "Nachsendung" || got.From != sam.Address {
		t.Fatalf("the order's mailbox: %+v", got)
	}
	if n := len(folder(t, carl.C, "inbox")); n != 0 {
		t.Fatalf("the closed account's automatic forwarding outlived the closure: %d letters", n)
	}
	evs := evidenceOf(t, sam.C, sent.ID)
	if len(evs) != 1 || evs[0].Event != "ContentConsignment" || evs[0].Recipient != ben.Address {
		t.Fatalf("the receipt names: %+v", evs)
	}
	if evs := evidenceOf(t, ben.C, got.ID); len(evs) != 1 || evs[0].Confirmation == "" {
		t.Fatalf("the order's holder's evidence: %+v", evs)
	}
	l, err := sam.C.Letter(ctx, sent.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(l.Events, func(ev api.Event) bool { return ev.Kind == "stored" && ev.Address == ben.Address }) ||
		slices.ContainsFunc(l.Events, func(ev api.Event) bool { return ev.Address == anna.Address }) {
		t.Fatalf("the sender's events: %+v", l.Events)
	}

	// Closed without an order: refused, as before.
	if _, err := e.Officer1.Close(ctx, carl.ID, "Kündigung"); err != nil {
		t.Fatal(err)
	}
	_, err = sam.C.Send(ctx, &api.SendRequest{To: []string{carl.Address}, Subject: "Zu spät", Text: "…"})
	wantProblem(t, err, 403, "closed_account", "to[0]")
}
