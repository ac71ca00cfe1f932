package api_test

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestEvidenceForEveryEvent drives each event an option confirms through
// the API, runs the queues as a node does, and checks what each party gets:
// the sender the dispatch, receipt, pickup and deemed-service evidence; a
// recipient that of their own copy but not the dispatch confirmation; every
// evidence file and every confirmation message valid against the authority
// root, naming the right event; and the reminder before deemed service.
func TestEvidenceForEveryEvent(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	city := e.Open(pt.OrgApp("authority", "Stadt Beweisheim", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Abholer"), true)
	max := e.Open(pt.PersonApp("Max", "Abwesend"), true)
	cityC := city.High()
	picked := must[*api.SendResponse](t)(cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address},
		Subject: "Bescheid über Grundsteuer", Text: "förmlich", PickupConfirmation: true, DispatchConfirmation: true,
		ReceiptConfirmation: true, PrivateID: "AZ 2027/1"}))
	plain := must[*api.SendResponse](t)(cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address},
		Subject: "Hinweis", Text: "ohne Bestätigungen"}))
	runQueues(t, e)
	wantEvents(t, cityC, picked.ID, "SubmissionAcceptance", "ContentConsignment")
	wantEvents(t, cityC, plain.ID) // no option, no confirmation

	erikaC := erika.High() // the pickup
	runQueues(t, e)
	all := wantEvents(t, cityC, picked.ID, "SubmissionAcceptance", "ContentConsignment", "ContentHandover")
	inbox := must[*api.LetterList](t)(erikaC.List(ctx, "inbox", 50, ""))
	var erikaCopy string
	for _, l := range inbox.Letters {
		if l.Subject == "Bescheid über Grundsteuer" {
			erikaCopy = l.ID
		}
	}
	wantEvents(t, erikaC, erikaCopy, "ContentConsignment", "ContentHandover")
	// The letter is personal (pickup implies it), and so are its
	// confirmations: at normal, Erika sees only who sent them.
	erikaNormal := e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, erika.Address, erika.Password, "")).Token)
	for _, l := range must[*api.LetterList](t)(erikaNormal.List(ctx, "confirmations", 50, "")).Letters {
		if !l.ContentHidden || l.Subject != "" {
			t.Errorf("a personal letter's confirmation at normal: %+v", l)
		}
		_, err := erikaNormal.Raw(ctx, l.ID)
		wantErr(t, err, 403, "login_level", "")
	}
	// The sender wrote the letter: its confirmations are open at normal.
	cityNormal := e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, city.Address, city.Password, "")).Token)
	for _, l := range must[*api.LetterList](t)(cityNormal.List(ctx, "confirmations", 50, "")).Letters {
		if l.ContentHidden || !strings.Contains(l.Subject, "Bescheid über Grundsteuer") {
			t.Errorf("the sender's confirmation at normal: %+v", l)
		}
	}
	checkFiles(t, cityC, root, e.RootCert, all)

	// Max does not pick his letter up: a reminder the day before, then
	// deemed service at the start of the third day (VwZG §5a(4)).
	deemed := must[*api.SendResponse](t)(cityC.Send(ctx, &api.SendRequest{To: []string{max.Address},
		Subject: "Zweiter Bescheid", Text: "förmlich", PickupConfirmation: true}))
	due := mailbox.DeemedServedAt(deemed.AcceptedAt, berlin(t))
	e.Clock.Set(due.Add(-mailbox.ReminderBefore + time.Minute))
	runQueues(t, e)
	// Days pass in this test: a fresh session each time (at normal, which
	// is no pickup).
	fresh := func(u *pt.User) *client.Client {
		return e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, "")).Token)
	}
	if n := countFrom(t, fresh(max), "inbox", mailboxNotice); n != 1 {
		t.Fatalf("reminders in max's inbox: %d, want 1", n)
	}
	// The reminder is read at normal and tells the deadline, not what the
	// personal letter says.
	for _, l := range must[*api.LetterList](t)(fresh(max).List(ctx, "inbox", 50, "")).Letters {
		if strings.EqualFold(l.From, mailboxNotice) {
			r := must[*api.Letter](t)(fresh(max).Letter(ctx, l.ID))
			if !strings.Contains(r.Text, city.Address) || !strings.Contains(r.Text, "VwZG") || strings.Contains(r.Text+r.Subject, "Zweiter Bescheid") {
				t.Errorf("reminder: %q\n%s", r.Subject, r.Text)
			}
		}
	}
	e.Clock.Set(due.Add(time.Minute))
	runQueues(t, e)
	runQueues(t, e) // nothing more to do: still one of each
	cityC = e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, city.Address, city.Password, e.Code(city.Secret))).Token)
	failure := wantEvents(t, cityC, deemed.ID, "ContentHandoverFailure")
	checkFiles(t, cityC, root, e.RootCert, failure)
	if n := countFrom(t, fresh(max), "confirmations", "abholbestaetigung@"+pt.Domain); n != 1 {
		t.Errorf("deemed-service confirmations in max's inbox: %d, want 1 (the recipient is told)", n)
	}
}

const mailboxNotice = "benachrichtigung@" + pt.Domain

func berlin(t *testing.T) *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func runQueues(t *testing.T, e *pt.Env) {
	t.Helper()
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}
}

// wantEvents lists a letter's evidence and checks the events, in order.
func wantEvents(t *testing.T, c *client.Client, id string, want ...string) []api.EvidenceInfo {
	t.Helper()
	list := must[*api.EvidenceList](t)(c.Evidence(t.Context(), id))
	var got []string
	for _, ev := range list.Evidence {
		got = append(got, ev.Event)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("evidence of %s: %v, want %v", id, got, want)
	}
	return list.Evidence
}

// checkFiles downloads each evidence file and its confirmation message and
// checks both against the authority root, with siegel verify's checks and
// with openssl: valid, and about the event listed.
func checkFiles(t *testing.T, c *client.Client, root *x509.Certificate, rootFile string, list []api.EvidenceInfo) {
	t.Helper()
	for _, ev := range list {
		file := must[[]byte](t)(c.EvidenceFile(t.Context(), ev.ID))
		opensslVerify(t, file, rootFile, "-inform", "DER")
		r := verification.Check(file, verification.Anchors{Root: root})
		if !r.Valid || r.Kind != verification.KindEvidence || r.Event != ev.Event || r.EvidenceID != ev.ID {
			t.Errorf("evidence %s (%s): %+v", ev.ID, ev.Event, r)
		}
		if ev.Confirmation == "" {
			t.Errorf("evidence %s (%s): no confirmation message in the mailbox", ev.ID, ev.Event)
			continue
		}
		raw := must[[]byte](t)(c.Raw(t.Context(), ev.Confirmation))
		opensslVerify(t, raw, rootFile)
		r = verification.Check(raw, verification.Anchors{Root: root})
		if !r.Valid || r.Kind != verification.KindConfirmation || r.Event != ev.Event || r.EvidenceID != ev.ID {
			t.Errorf("confirmation of %s (%s): %+v", ev.ID, ev.Event, r)
		}
	}
}

// opensslVerify checks a file with openssl cms -verify against the root,
// as a court without Siegel would; skipped without openssl, except in CI.
func opensslVerify(t *testing.T, file []byte, rootFile string, args ...string) {
	t.Helper()
	bin, err := exec.LookPath("openssl")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("openssl is not on PATH, and CI is set: install OpenSSL (the package openssl)")
		}
		t.Log("openssl is not on PATH: evidence not checked with it")
		return
	}
	path := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(path, file, 0o600); err != nil {
		t.Fatal(err)
	}
	args = append([]string{"cms", "-verify", "-in", path, "-CAfile", rootFile, "-purpose", "any", "-out", os.DevNull}, args...)
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Errorf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// countFrom counts the letters in c's folder from the address from.
func countFrom(t *testing.T, c *client.Client, folder, from string) int {
	t.Helper()
	n := 0
	for _, l := range must[*api.LetterList](t)(c.List(t.Context(), folder, 100, "")).Letters {
		if strings.EqualFold(l.From, from) {
			n++
		}
	}
	return n
}

// TestWithoutSeal: a provider set up without an authority has no seal. It
// refuses sender-confirmed letters, naming the option; the confirmations
// other options ask for wait in the queue, to be issued once a seal is
// configured, rather than being dropped.
func TestWithoutSeal(t *testing.T) {
	t.Parallel()
	e := pt.NewWithoutAuthority(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Ohnesiegel"), true)
	ben := e.Open(pt.PersonApp("Ben", "Ohnesiegel"), true)
	c := anna.High()
	_, err := c.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "s", Text: "t", SenderConfirmed: true})
	wantErr(t, err, 400, "unavailable", "sender_confirmed")
	sent := must[*api.SendResponse](t)(c.Send(ctx, &api.SendRequest{To: []string{ben.Address}, Subject: "s", Text: "t",
		DispatchConfirmation: true}))
	runQueues(t, e)
	wantEvents(t, c, sent.ID)
	var queued int
	if err := e.P.Store.View(ctx, func(tx store.Tx) error {
		queued, err = tx.CountJobs(mailbox.JobEvidence)
		return err
	}); err != nil || queued != 1 {
		t.Fatalf("evidence jobs waiting: %d (%v), want 1", queued, err)
	}
}

// TestRejectionEvidence: a letter refused at submission (unknown recipient,
// closed account) whose sender asked for a dispatch confirmation gets
// signed SubmissionRejection evidence with the reason, in the sender's
// confirmations, besides the immediate refusal; without that option, only
// the refusal. Nobody else may have the evidence.
func TestRejectionEvidence(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	anna := e.Open(pt.PersonApp("Anna", "Abgelehnt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Neugierig"), false)
	gone := e.Open(pt.PersonApp("Gerd", "Geschlossen"), false)
	if _, err := e.Officer1.Close(ctx, gone.ID, "Kündigung durch den Inhaber"); err != nil {
		t.Fatal(err)
	}
	c := anna.High()
	_, err = c.Send(ctx, &api.SendRequest{To: []string{"niemand@" + pt.Domain}, Subject: "An niemanden", Text: "t",
		DispatchConfirmation: true, PrivateID: "R-1"})
	wantErr(t, err, 400, "unknown_recipient", "to[0]")
	_, err = c.Send(ctx, &api.SendRequest{To: []string{gone.Address}, Subject: "An Gerd", Text: "t", DispatchConfirmation: true})
	wantErr(t, err, 403, "closed_account", "to[0]")
	_, err = c.Send(ctx, &api.SendRequest{To: []string{"keiner@" + pt.Domain}, Subject: "Ohne Bestätigung", Text: "t"})
	wantErr(t, err, 400, "unknown_recipient", "to[0]")
	runQueues(t, e)
	runQueues(t, e)

	got := map[string]string{}
	list := must[*api.LetterList](t)(c.List(ctx, "confirmations", 50, ""))
	for _, l := range list.Letters {
		raw := must[[]byte](t)(c.Raw(ctx, l.ID))
		r := verification.Check(raw, verification.Anchors{Root: root})
		if !r.Valid || r.Event != "SubmissionRejection" || len(r.Reasons) != 1 {
			t.Fatalf("%s: %+v", l.Subject, r)
		}
		got[r.Recipient.Address] = r.Reasons[0]
		opensslVerify(t, raw, e.RootCert)
		file := must[[]byte](t)(c.EvidenceFile(ctx, r.EvidenceID))
		if fr := verification.Check(file, verification.Anchors{Root: root}); !fr.Valid || fr.EvidenceID != r.EvidenceID {
			t.Errorf("evidence file %s: %+v", r.EvidenceID, fr)
		}
		_, err := ben.C.EvidenceFile(ctx, r.EvidenceID)
		wantErr(t, err, 404, "not_found", "id")
	}
	if len(got) != 2 || !strings.HasPrefix(got["niemand@"+pt.Domain], "unknown-recipient: ") ||
		!strings.HasPrefix(got[gone.Address], "closed-account: ") {
		t.Fatalf("rejections: %v, want unknown-recipient for niemand and closed-account for %s", got, gone.Address)
	}
}
