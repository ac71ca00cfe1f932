package api_test

import (
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestForwardingSettings: the automatic forwarding through the API (TR
// PVD-FU §3.1.3.2; DMG §5(11)). Read at any level, set only at high; each
// address that is no registered-mail address others can forward to is
// refused on the field target, with the rule it broke; so is a loop
// between accounts here, of two or of three; a valid setting comes back
// canonical, is changed in place and withdrawn at normal; withdrawing
// none is no error.
func TestForwardingSettings(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Weiter"), true)
	ben := e.Open(pt.PersonApp("Ben", "Weiter"), true)
	carl := e.Open(pt.PersonApp("Carl", "Weiter"), true)
	closed := e.Open(pt.PersonApp("Clara", "Zu"), false)
	blocked := e.Open(pt.PersonApp("Bernd", "Gesperrt"), false)
	must[*api.AdminAccount](t)(e.Officer1.Close(ctx, closed.ID, "Kündigung"))
	must[*api.AdminAccount](t)(e.Officer1.Block(ctx, blocked.ID, "full", "Betrugsverdacht"))

	if f := must[*api.Forwarding](t)(anna.C.Forwarding(ctx)); f.Enabled || f.Target != "" {
		t.Fatalf("a new account forwards: %+v", f)
	}
	_, err := anna.C.SetForwarding(ctx, &api.ForwardingRequest{Target: ben.Address})
	wantErr(t, err, 403, "login_level", "")

	high := anna.High()
	for _, tc := range []struct{ target, code string }{
		{"", "required"},
		{"kein at-zeichen", "syntax"},
		{anna.Address, "own_address"},
		{"niemand@" + pt.Domain, "unknown_recipient"},
		{closed.Address, "closed_account"},
		{blocked.Address, "blocked_recipient"},
		{"Benachrichtigung@" + pt.Domain, "system_address"},
		{"max@gmail.example", "unknown_domain"},
	} {
		_, err := high.SetForwarding(ctx, &api.ForwardingRequest{Target: tc.target})
		wantErr(t, err, statusOf(tc.code), tc.code, "target")
	}

	f := must[*api.Forwarding](t)(high.SetForwarding(ctx, &api.ForwardingRequest{Target: "  " + upper(ben.Address) + " ", ExcludePersonal: true}))
	if !f.Enabled || f.Target != ben.Address || !f.ExcludePersonal || f.CreatedAt.IsZero() {
		t.Fatalf("set: %+v", f)
	}
	if g := must[*api.Forwarding](t)(anna.C.Forwarding(ctx)); *g != *f {
		t.Fatalf("read at normal: %+v, want %+v", g, f)
	}

	// Loops between accounts here: B → A while A → B; then A → B → C → A.
	_, err = ben.High().SetForwarding(ctx, &api.ForwardingRequest{Target: anna.Address})
	wantErr(t, err, 400, "forwarding_loop", "target")
	must[*api.Forwarding](t)(ben.High().SetForwarding(ctx, &api.ForwardingRequest{Target: carl.Address}))
	_, err = carl.High().SetForwarding(ctx, &api.ForwardingRequest{Target: anna.Address})
	wantErr(t, err, 400, "forwarding_loop", "target")

	// Changed in place: the first setting's time stays.

	g := must[*api.Forwarding](t)(anna.High().SetForwarding(ctx, &api.ForwardingRequest{Target: carl.Address}))
	if g.Target != carl.Address || g.ExcludePersonal || !g.CreatedAt.Equal(f.CreatedAt) || !g.UpdatedAt.After(f.UpdatedAt) {
		t.Fatalf("changed: %+v (was %+v)", g, f)
	}
	// Withdrawn at normal, twice.
	for range 2 {
		if err := anna.C.RemoveForwarding(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if g := must[*api.Forwarding](t)(anna.C.Forwarding(ctx)); g.Enabled {
		t.Fatalf("after removal: %+v", g)
	}
	// The account's history records each change.
	d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, anna.ID))
	var actions []string
	for _, h := range d.History {
		actions = append(actions, h.Action)
	}
	if n := count(actions, "forwarding_set"); n != 2 || count(actions, "forwarding_removed") != 1 {
		t.Fatalf("history: %v", actions)
	}
}

// TestCloseWithForwardingOrder: a closure's forwarding order (TR PVD-FU
// §3.1.3.3) through the admin API: its address is checked as a
// forwarding's is, on the field forward_to, and a refused one leaves the
// account open; a valid one closes it with the order in its history.
func TestCloseWithForwardingOrder(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Umzug"), true)
	ben := e.Open(pt.PersonApp("Ben", "Neu"), true)
	// Ben's own forwarding leads back to Anna: the order would send her
	// letters round.
	must[*api.Forwarding](t)(ben.High().SetForwarding(ctx, &api.ForwardingRequest{Target: anna.Address}))
	for _, tc := range []struct{ target, code string }{
		{"x", "syntax"},
		{anna.Address, "own_address"},
		{"niemand@" + pt.Domain, "unknown_recipient"},
		{ben.Address, "forwarding_loop"},
	} {
		_, err := e.Officer1.CloseAccount(ctx, anna.ID, &api.CloseRequest{Reason: "Umzug", ForwardTo: tc.target})
		wantErr(t, err, statusOf(tc.code), tc.code, "forward_to")
	}
	if d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, anna.ID)); d.Account.Status == "closed" {
		t.Fatal("a refused order closed the account")
	}
	if err := ben.C.RemoveForwarding(ctx); err != nil {
		t.Fatal(err)
	}
	a := must[*api.AdminAccount](t)(e.Officer1.CloseAccount(ctx, anna.ID, &api.CloseRequest{Reason: "Umzug", ForwardTo: ben.Address}))
	if a.Status != "closed" {
		t.Fatalf("closed: %+v", a)
	}
	d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, anna.ID))
	last := d.History[len(d.History)-1]
	if last.Action != "closed" || !contains(last.Detail, ben.Address) {
		t.Fatalf("the closure's history entry: %+v", last)
	}
}

// statusOf is the status each refusal of a forwarding address answers.
func statusOf(code string) int {
	switch code {
	case "closed_account", "blocked_recipient":
		return 403 // account.CanReceive's
	}
	return 400
}

func upper(s string) string { return strings.ToUpper(s) }

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

func contains(raw []byte, s string) bool { return strings.Contains(string(raw), s) }
