package relay_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/verification"
)

// fed is a two-provider federation whose queues the test runs.
type fed struct {
	*pt.Federation
	a, b *pt.Env
}

func newFed(t testing.TB) *fed {
	f := pt.NewFederation(t, true, "a.siegel.test", "b.siegel.test")
	return &fed{Federation: f, a: f.Providers[0], b: f.Providers[1]}
}

// settle runs both providers' queues until neither has anything due.
func (f *fed) settle(t testing.TB) {
	t.Helper()
	for range 20 {
		n := 0
		for _, e := range []*pt.Env{f.a, f.b} {
			m, err := e.P.RunQueues(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			n += m
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("the queues do not settle")
}

// login is a fresh session, at high when u has TOTP: days pass in these
// tests, and sessions end.
func login(t *testing.T, e *pt.Env, u *pt.User, high bool) *client.Client {
	t.Helper()
	code := ""
	if high {
		code = e.Code(u.Secret)
	}
	s, err := e.Public.Login(context.Background(), u.Address, u.Password, code)
	if err != nil {
		t.Fatalf("login %s: %v", u.Address, err)
	}
	return e.Public.With(s.Token)
}

func events(t *testing.T, c *client.Client, copyID string) []api.EvidenceInfo {
	t.Helper()
	l, err := c.Evidence(context.Background(), copyID)
	if err != nil {
		t.Fatal(err)
	}
	return l.Evidence
}

func names(evs []api.EvidenceInfo) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Event)
	}
	return out
}

func wantNames(t *testing.T, evs []api.EvidenceInfo, want ...string) {
	t.Helper()
	if got := names(evs); !slices.Equal(got, want) {
		t.Fatalf("evidence %v, want %v", got, want)
	}
}

// verifyAll checks every evidence file offline against the authority's
// root, as a court would.
func (f *fed) verifyAll(t *testing.T, c *client.Client, evs []api.EvidenceInfo) {
	t.Helper()
	root, err := pki.ReadCertPEM(f.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range evs {
		file, err := c.EvidenceFile(context.Background(), e.ID)
		if err != nil {
			t.Fatal(err)
		}
		r := verification.Check(file, verification.Anchors{Root: root})
		if !r.Valid || r.Event != e.Event {
			t.Errorf("%s %s: %+v", e.Event, e.ID, r)
		}
	}
}

// check verifies an evidence file against the authority's root.
func check(t *testing.T, f *fed, file []byte) *verification.Report {
	t.Helper()
	root, err := pki.ReadCertPEM(f.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	return verification.Check(file, verification.Anchors{Root: root})
}

func inbox(t *testing.T, c *client.Client, folder, subject string) []api.LetterSummary {
	t.Helper()
	l, err := c.List(context.Background(), folder, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	var out []api.LetterSummary
	for _, s := range l.Letters {
		if strings.Contains(s.Subject, subject) {
			out = append(out, s)
		}
	}
	return out
}

// TestFederation carries a letter with every option from an authority at
// one provider to a citizen at another, and every confirmation back.
func TestFederation(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Fernheim", true), true)
	erika := f.b.Open(pt.PersonApp("Erika", "Fern"), true)
	cityC := city.High()
	sent, err := cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid über Grundsteuer",
		Text: "förmlich zugestellt", PickupConfirmation: true, DispatchConfirmation: true, ReceiptConfirmation: true,
		SenderConfirmed: true, PrivateID: "AZ 2027/7"})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	wantNames(t, events(t, cityC, sent.ID), "SubmissionAcceptance", "RelayAcceptance", "ContentConsignment")
	// A personal letter from another provider is as personal as one
	// from here: at normal, only who sent it and when.
	l, err := login(t, f.b, erika, false).List(ctx, "inbox", 10, "")
	if err != nil || len(l.Letters) != 1 || !l.Letters[0].ContentHidden || l.Letters[0].Subject != "" {
		t.Fatalf("erika's inbox at normal: %v %+v", err, l)
	}
	got := inbox(t, login(t, f.b, erika, true), "inbox", "Grundsteuer")
	if len(got) != 1 {
		t.Fatalf("erika's inbox: %+v", got)
	}
	// The pickup is the login at high above.
	f.settle(t)
	all := events(t, cityC, sent.ID)
	wantNames(t, all, "SubmissionAcceptance", "RelayAcceptance", "ContentConsignment", "ContentHandover")
	for _, e := range all {
		if e.Recipient != erika.Address {
			t.Errorf("%s names %q, want %s", e.Event, e.Recipient, erika.Address)
		}
	}
	f.verifyAll(t, cityC, all)
	// The receipt and pickup confirmations came from B; the city has them
	// as messages, and so has Erika, at her provider.
	if n := len(inbox(t, cityC, "confirmations", "Grundsteuer")); n != 3 {
		t.Errorf("the city's confirmations: %d, want dispatch, receipt, pickup", n)
	}
	erikaC := login(t, f.b, erika, true)
	if n := len(inbox(t, erikaC, "confirmations", "Grundsteuer")); n != 2 {
		t.Errorf("erika's confirmations: %d, want receipt and pickup", n)
	}
	r, err := erikaC.Letter(ctx, got[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.From != city.Address || !strings.Contains(r.Text, "förmlich zugestellt") {
		t.Errorf("erika reads: from %s, %q", r.From, r.Text)
	}
}

// TestFederationDeemedService: a letter of formal service not picked up at
// the other provider counts as served on the third day, and the evidence
// of it comes back to the sender.
func TestFederationDeemedService(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Fristheim", true), true)
	max := f.b.Open(pt.PersonApp("Max", "Fort"), true)
	sent, err := city.High().Send(ctx, &api.SendRequest{To: []string{max.Address}, Subject: "Zweiter Bescheid",
		Text: "förmlich", PickupConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	due := mailbox.DeemedServedAt(sent.AcceptedAt, f.b.P.Mail.Location)
	f.Clock.Set(due.Add(time.Minute))
	f.settle(t)
	cityC := login(t, f.a, city, true)
	evs := events(t, cityC, sent.ID)
	wantNames(t, evs, "ContentHandoverFailure")
	f.verifyAll(t, cityC, evs)
}

// TestFederationRefusals: an unknown recipient at the other provider, and
// a domain no provider serves.
func TestFederationRefusals(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Irrweg", true), true)
	cityC := city.High()
	sent, err := cityC.Send(ctx, &api.SendRequest{To: []string{"niemand@b.siegel.test"}, Subject: "Ins Leere",
		Text: "?", DispatchConfirmation: true, ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	evs := events(t, cityC, sent.ID)
	wantNames(t, evs, "SubmissionAcceptance", "ContentConsignmentFailure")
	f.verifyAll(t, cityC, evs)
	if r := reasonsOf(t, f, cityC, evs[1].ID); len(r) == 0 || !strings.HasPrefix(r[0], "unknown-recipient:") {
		t.Errorf("failure reasons: %+v", r)
	}
	// The notice to the sender names the TR notification type.
	raw, err := cityC.Raw(ctx, evs[1].Confirmation)
	if err != nil || !strings.Contains(string(raw), "\r\nX-de-mail-notification-type: unknown-recipient\r\n") {
		t.Errorf("the failure's confirmation message: %v\n%.600s", err, raw)
	}
	if n := len(inbox(t, cityC, "confirmations", "Ins Leere")); n != 2 {
		t.Errorf("confirmations: %d, want the dispatch and the failure", n)
	}

	_, err = cityC.Send(ctx, &api.SendRequest{To: []string{"x@c.siegel.test"}, Subject: "Nirgendwo", Text: "?"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Code != "unknown_domain" || pe.Field != "to[0]" {
		t.Fatalf("a domain no provider serves: %v", err)
	}
}

// TestFederationRetry: the receiving provider answers, but its reply is
// lost; the sender's provider tries again, and the letter is stored once,
// with one receipt. Then the receiving provider is down for longer than
// the handover deadline: the sender is warned, and after the final
// deadline gets RelayFailure evidence.
func TestFederationRetry(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	city := f.a.Open(pt.OrgApp("authority", "Stadt Zweimal", true), true)
	erika := f.b.Open(pt.PersonApp("Erika", "Einmal"), true)
	// Each side's first handover reaches the other, and its reply is lost:
	// A's of the letter, B's of the receipt confirmation.
	var calls, bcalls atomic.Int32
	f.a.P.Relay.Send = loseFirstReply(f.a.P.Relay.Send, &calls)
	f.b.P.Relay.Send = loseFirstReply(f.b.P.Relay.Send, &bcalls)
	sent, err := city.High().Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Einmal",
		Text: "genau einmal", ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	f.Clock.Advance(time.Minute) // the retry's backoff
	f.settle(t)
	if calls.Load() != 2 || bcalls.Load() != 2 {
		t.Fatalf("handovers: %d and %d, want 2 each", calls.Load(), bcalls.Load())
	}
	cityC := login(t, f.a, city, true)
	wantNames(t, events(t, cityC, sent.ID), "ContentConsignment")
	if n := len(inbox(t, cityC, "confirmations", "Einmal")); n != 1 {
		t.Fatalf("receipt confirmations: %d, want 1", n)
	}
	if n := len(inbox(t, login(t, f.b, erika, false), "inbox", "Einmal")); n != 1 {
		t.Fatalf("copies in erika's inbox: %d, want 1", n)
	}

	// Down: every handover fails.
	f.a.P.Relay.Send = func(context.Context, string, string, []string, []byte) error {
		return errors.New("connection refused")
	}
	late, err := cityC.Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Spät", Text: "?",
		DispatchConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{time.Hour, 3*time.Hour + 10*time.Minute, 12 * time.Hour, 9 * time.Hour} {
		f.Clock.Advance(d)
		f.settle(t)
	}
	cityC = login(t, f.a, city, true)
	if n := len(inbox(t, cityC, "inbox", "Noch nicht übergeben")); n != 1 {
		t.Errorf("warnings: %d, want 1", n)
	}
	wantNames(t, events(t, cityC, late.ID), "SubmissionAcceptance", "RelayFailure")
	f.verifyAll(t, cityC, events(t, cityC, late.ID))
	if n := len(inbox(t, login(t, f.b, erika, false), "inbox", "Spät")); n != 0 {
		t.Errorf("a letter given up was delivered: %d", n)
	}
}

// loseFirstReply makes the first handover reach the peer and then fail,
// as when the connection breaks before the peer's reply is read.
func loseFirstReply(send func(context.Context, string, string, []string, []byte) error, calls *atomic.Int32) func(context.Context, string, string, []string, []byte) error {
	return func(ctx context.Context, domain, from string, rcpts []string, msg []byte) error {
		if calls.Add(1) == 1 {
			if err := send(ctx, domain, from, rcpts, msg); err != nil {
				return err
			}
			return errors.New("connection reset before the reply")
		}
		return send(ctx, domain, from, rcpts, msg)
	}
}
