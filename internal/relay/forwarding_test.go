package relay_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestFederationAutoForward (TR PVD-FU §3.1.3.2): a holder at A forwards
// to an address at B. A letter with receipt confirmation to the holder
// stays in her inbox, with the receipt for her copy alone, and goes to B
// as a letter from her address. When the address at B forwards back to
// her, which neither provider can see when the settings are made, the
// letter that comes round is not sent out again: it stays in her inbox
// and she is told.
func TestFederationAutoForward(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	sam := f.a.Open(pt.PersonApp("Sam", "Sender"), false)
	anna := f.a.Open(pt.PersonApp("Anna", "Hier"), true)
	erik := f.b.Open(pt.PersonApp("Erik", "Dort"), true)
	if _, err := anna.High().SetForwarding(ctx, &api.ForwardingRequest{Target: erik.Address}); err != nil {
		t.Fatal(err)
	}
	sent, err := sam.C.Send(ctx, &api.SendRequest{To: []string{anna.Address}, Subject: "Erster Brief",
		Text: "Hallo Anna", ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	if n := len(inbox(t, login(t, f.a, anna, false), "inbox", "Erster Brief")); n != 1 {
		t.Fatalf("the holder's copy: %d", n)
	}
	erikC := login(t, f.b, erik, false)
	fwd := inbox(t, erikC, "inbox", "Fwd: Erster Brief")
	if len(fwd) != 1 || fwd[0].From != anna.Address {
		t.Fatalf("the forward at B: %+v", fwd)
	}
	if l, err := erikC.Letter(ctx, fwd[0].ID); err != nil || !strings.Contains(l.Text, "> Hallo Anna") {
		t.Fatalf("the forward's text: %v %+v", err, l)
	}
	samC := login(t, f.a, sam, false)
	evs := events(t, samC, sent.ID)
	wantNames(t, evs, "ContentConsignment")
	if evs[0].Recipient != anna.Address {
		t.Fatalf("the receipt names %s", evs[0].Recipient)
	}
	f.verifyAll(t, samC, evs)

	// A letter of formal service is not forwarded: its notice crosses to
	// B as a letter from her address, without subject or content.
	city := f.a.Open(pt.OrgApp("authority", "Stadt Fernheim", true), true)
	if _, err := city.High().Send(ctx, &api.SendRequest{To: []string{anna.Address}, Subject: "Bescheid Geheim",
		Text: "förmlich", PickupConfirmation: true}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	notice := inbox(t, erikC, "inbox", "Benachrichtigung")
	if len(notice) != 1 || notice[0].From != anna.Address || notice[0].Personal {
		t.Fatalf("the notice at B: %+v", notice)
	}
	if n := len(inbox(t, erikC, "inbox", "Geheim")); n != 0 {
		t.Fatalf("the letter of formal service reached B: %d", n)
	}
	// A domain no accredited provider serves is no forwarding address.
	_, err = login(t, f.a, anna, true).SetForwarding(ctx, &api.ForwardingRequest{Target: "x@c.siegel.test"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Code != "unknown_domain" || pe.Field != "target" {
		t.Fatalf("a domain off the trust list: %v", err)
	}

	// Erik at B forwards back to Anna at A: a loop through two providers.
	if _, err := login(t, f.b, erik, true).SetForwarding(ctx, &api.ForwardingRequest{Target: anna.Address}); err != nil {
		t.Fatal(err)
	}
	if _, err := samC.Send(ctx, &api.SendRequest{To: []string{anna.Address}, Subject: "Zweiter Brief", Text: "Rundlauf?"}); err != nil {
		t.Fatal(err)
	}
	f.settle(t)
	annaC := login(t, f.a, anna, false)
	back := inbox(t, annaC, "inbox", "Fwd: Zweiter Brief")
	if len(back) != 1 || back[0].From != erik.Address {
		t.Fatalf("the letter that came round is not in the holder's inbox: %+v", back)
	}
	if n := len(inbox(t, login(t, f.b, erik, false), "inbox", "Zweiter Brief")); n != 1 {
		t.Fatalf("Erik got the letter %d times, want once", n)
	}
	notices := inbox(t, annaC, "inbox", "Nicht weitergeleitet")
	if len(notices) != 1 || notices[0].From != "Benachrichtigung@a.siegel.test" {
		t.Fatalf("the holder's notice: %+v", notices)
	}
}

// TestFederationForwardingOrder (TR PVD-FU §3.1.3.3): letters to accounts
// closed with a forwarding order reach the order's address, across
// providers, and the receipt is confirmed by the mailbox they reach:
//   - from A to a closed account at B whose order names an account at B:
//     B answers 551 with the address, A sends the letter there, and B's
//     receipt names it; A's sender sees the redirection in the events;
//   - from A to a closed account at B whose order names an account at A:
//     the letter comes home, and A confirms its receipt;
//   - from A to a closed account at A whose order names an account at B:
//     A hands the letter to B, and B confirms.
func TestFederationForwardingOrder(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	ctx := t.Context()
	sam := f.a.Open(pt.PersonApp("Sam", "Sender"), false)
	frank := f.a.Open(pt.PersonApp("Frank", "Heim"), false)
	carl := f.a.Open(pt.PersonApp("Carl", "Fort"), false)
	dora := f.b.Open(pt.PersonApp("Dora", "Umzug"), false)
	ben := f.b.Open(pt.PersonApp("Ben", "Neu"), false)
	gina := f.b.Open(pt.PersonApp("Gina", "Heimweh"), false)
	closeWith := func(e *pt.Env, u *pt.User, to string) {
		t.Helper()
		if _, err := e.Officer1.CloseAccount(ctx, u.ID, &api.CloseRequest{Reason: "Umzug", ForwardTo: to}); err != nil {
			t.Fatal(err)
		}
	}
	closeWith(f.b, dora, ben.Address)
	closeWith(f.b, gina, frank.Address)
	closeWith(f.a, carl, ben.Address)

	samC := sam.C
	var ids []string
	for _, to := range []string{dora.Address, gina.Address, carl.Address} {
		s, err := samC.Send(ctx, &api.SendRequest{To: []string{to}, Subject: "Nachsendung an " + to, Text: "…",
			ReceiptConfirmation: true})
		if err != nil {
			t.Fatalf("to %s: %v", to, err)
		}
		ids = append(ids, s.ID)
	}
	f.settle(t)
	benC := login(t, f.b, ben, false)
	for _, tc := range []struct {
		id, to, final string
		redirected    bool
		got           int
	}{
		{ids[0], dora.Address, ben.Address, true, len(inbox(t, benC, "inbox", "Nachsendung an "+dora.Address))},
		{ids[1], gina.Address, frank.Address, true, len(inbox(t, login(t, f.a, frank, false), "inbox", "Nachsendung an "+gina.Address))},
		{ids[2], carl.Address, ben.Address, false, len(inbox(t, benC, "inbox", "Nachsendung an "+carl.Address))},
	} {
		if tc.got != 1 {
			t.Errorf("to %s: %d copies at %s, want 1", tc.to, tc.got, tc.final)
		}
		evs := events(t, samC, tc.id)
		if len(evs) != 1 || evs[0].Event != "ContentConsignment" || evs[0].Recipient != tc.final {
			t.Errorf("to %s: evidence %+v, want the receipt for %s", tc.to, evs, tc.final)
			continue
		}
		if r := check(t, f, fileOf(t, samC, evs[0].ID)); !r.Valid {
			t.Errorf("to %s: the receipt does not verify: %+v", tc.to, r)
		}
		l, err := samC.Letter(ctx, tc.id)
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.ContainsFunc(l.Events, func(e api.Event) bool { return e.Kind == "redirected" }); got != tc.redirected {
			t.Errorf("to %s: redirected event %v, want %v: %+v", tc.to, got, tc.redirected, l.Events)
		}
	}
}

func fileOf(t *testing.T, c *client.Client, id string) []byte {
	t.Helper()
	b, err := c.EvidenceFile(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
