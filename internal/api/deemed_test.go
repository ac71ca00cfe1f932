package api_test

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestDeemedService: a letter of formal service that its recipient has not
// picked up counts as served at the start of the third day after dispatch
// (VwZG §5a(4)), in the provider's time zone; the sender sees that event for
// that recipient, once. A recipient who picked it up in time has no such
// event.
func TestDeemedService(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Fristenhausen", true), true)
	away := e.Open(pt.PersonApp("Anton", "Abwesend"), true)
	home := e.Open(pt.PersonApp("Hanna", "Daheim"), true)
	sent := must[*api.SendResponse](t)(city.High().Send(ctx, &api.SendRequest{To: []string{away.Address, home.Address},
		Subject: "Bescheid", Text: "förmlich", PickupConfirmation: true}))
	berlin, _ := time.LoadLocation("Europe/Berlin")
	d := sent.AcceptedAt.In(berlin)
	deadline := time.Date(d.Year(), d.Month(), d.Day()+3, 0, 0, 0, 0, berlin)

	e.Clock.Advance(24 * time.Hour)
	home.High() // the pickup, in time
	events := func(kind string) []api.Event {
		t.Helper()
		var out []api.Event
		// A fresh session: days pass in this test.
		c := e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, city.Address, city.Password, "")).Token)
		for _, ev := range must[*api.Letter](t)(c.Letter(ctx, sent.ID)).Events {
			if ev.Kind == kind {
				out = append(out, ev)
			}
		}
		return out
	}
	e.Clock.Set(deadline.Add(-time.Minute))
	if _, err := e.P.RunQueues(ctx); err != nil {
		t.Fatal(err)
	}
	if got := events("deemed_served"); len(got) != 0 {
		t.Fatalf("deemed served before the third day: %+v", got)
	}
	e.Clock.Set(deadline.Add(time.Minute))
	for range 2 { // a second run finds nothing more to do
		if _, err := e.P.RunQueues(ctx); err != nil {
			t.Fatal(err)
		}
	}
	got := events("deemed_served")
	if len(got) != 1 || got[0].Address != away.Address || !got[0].At.Equal(deadline) {
		t.Fatalf("deemed-service events %+v, want one for %s at %s", got, away.Address, deadline)
	}
	// A pickup after the deadline is still recorded; the service stands.
	e.Clock.Advance(time.Hour)
	away.High()
	if p := events("picked_up"); len(p) != 2 {
		t.Errorf("pickups after the deadline: %+v, want both recipients'", p)
	}
	if got := events("deemed_served"); len(got) != 1 {
		t.Errorf("deemed-service events after the late pickup: %+v", got)
	}
}
