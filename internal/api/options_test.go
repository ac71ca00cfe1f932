package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestOptionRules drives each rule of SPEC's dispatch-option table through the
// API, and checks that a refused letter changes nothing.
func TestOptionRules(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	person := e.Open(pt.PersonApp("Pia", "Person"), true)
	pseudo := pt.PersonApp("Paula", "Pseudo")
	pseudo.Pseudonym = "paulchen"
	pn := e.Open(pseudo, true)
	company := e.Open(pt.OrgApp("organisation", "Firma Beispiel", false), true)
	city := e.Open(pt.OrgApp("authority", "Stadt Beispiel", true), true)
	office := e.Open(pt.OrgApp("authority", "Amt ohne Zustellung", false), true)
	noTOTP := e.Open(pt.PersonApp("Nora", "Nofactor"), false)
	rcpt := []string{person.Address}

	type senders struct{ normal, high *client.Client }
	ses := map[*pt.User]senders{}
	for _, u := range []*pt.User{person, pn, company, city, office} {
		ses[u] = senders{u.C, u.High()}
	}
	cases := []struct {
		name   string
		from   *pt.User
		high   bool
		req    api.SendRequest
		status int
		code   string
		field  string
	}{
		{"personal at normal", person, false, api.SendRequest{Personal: true}, 403, "login_level", "personal"},
		{"personal at high", person, true, api.SendRequest{Personal: true}, 0, "", ""},
		{"sender-confirmed at normal", person, false, api.SendRequest{SenderConfirmed: true}, 403, "login_level", "sender_confirmed"},
		{"sender-confirmed at high", person, true, api.SendRequest{SenderConfirmed: true}, 0, "", ""},
		{"sender-confirmed from a pseudonym", pn, true, api.SendRequest{SenderConfirmed: true}, 403, "pseudonym", "sender_confirmed"},
		{"pickup from a person", person, true, api.SendRequest{PickupConfirmation: true}, 403, "not_entitled", "pickup_confirmation"},
		{"pickup from a company", company, true, api.SendRequest{PickupConfirmation: true}, 403, "not_entitled", "pickup_confirmation"},
		{"pickup from an authority without entitlement", office, true, api.SendRequest{PickupConfirmation: true}, 403, "not_entitled", "pickup_confirmation"},
		{"pickup from an entitled authority at normal", city, false, api.SendRequest{PickupConfirmation: true}, 403, "login_level", "pickup_confirmation"},
		{"pickup from an entitled authority at high", city, true, api.SendRequest{PickupConfirmation: true}, 0, "", ""},
		{"confirmations at normal", company, false, api.SendRequest{DispatchConfirmation: true, ReceiptConfirmation: true}, 0, "", ""},
		{"file number too long", company, false, api.SendRequest{PrivateID: strings.Repeat("7", 1025)}, 400, "too_long", "private_id"},
		{"file number with a line break", company, false, api.SendRequest{PrivateID: "AZ 1\r\nBcc: x"}, 400, "syntax", "private_id"},
		{"personal to someone who cannot log in at high", city, true, api.SendRequest{Personal: true, To: []string{noTOTP.Address}}, 403, "recipient_level", "to[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl := ses[c.from].normal
			if c.high {
				cl = ses[c.from].high
			}
			req := c.req
			if req.To == nil {
				req.To = rcpt
			}
			req.Subject, req.Text = c.name, "Text"
			before := len(inbox(t, cl, "sent"))
			_, err := cl.Send(ctx, &req)
			after := len(inbox(t, cl, "sent"))
			if c.status == 0 {
				if err != nil || after != before+1 {
					t.Fatalf("want accepted, got %v (sent %d → %d)", err, before, after)
				}
				return
			}
			wantErr(t, err, c.status, c.code, c.field)
			if after != before {
				t.Fatalf("a refused letter changed the sent folder: %d → %d", before, after)
			}
		})
	}
	// Pickup implies personal.
	for _, s := range inbox(t, ses[person].normal, "inbox") {
		if s.From == city.Address && !(s.Personal && s.ContentHidden) {
			t.Fatalf("pickup letter not personal: %+v", s)
		}
	}
}

func TestPersonalLetterNeedsHigh(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Musterstadt", true), true)
	citizen := e.Open(pt.PersonApp("Erika", "Mustermann"), true)
	res := must[*api.SendResponse](t)(city.High().Send(ctx, &api.SendRequest{To: []string{citizen.Address},
		Subject: "Grundsteuerbescheid", Text: "vertraulich", PickupConfirmation: true, PrivateID: "AZ 1"}))
	list := inbox(t, citizen.C, "inbox")
	s := list[0]
	// At normal: sender and arrival time only (TR PVD-FU §3.3.2).
	if !s.ContentHidden || s.Subject != "" || s.Options != nil || s.From != city.Address || s.Arrived.IsZero() {
		t.Fatalf("listing at normal shows too much: %+v", s)
	}
	_, err := citizen.C.Letter(ctx, s.ID)
	wantErr(t, err, 403, "login_level", "")
	_, err = citizen.C.Raw(ctx, s.ID)
	wantErr(t, err, 403, "login_level", "")
	_, err = citizen.C.Delete(ctx, s.ID)
	wantErr(t, err, 403, "login_level", "")
	// The sender reads its own copy at any level.
	must[*api.Letter](t)(city.C.Letter(ctx, res.ID))

	// The first login at high after arrival is the pickup (DMG §5(9)), whether
	// or not the letter is opened then.
	e.Clock.Advance(30 * time.Minute)
	must[*api.Session](t)(citizen.C.StepUp(ctx, e.Code(citizen.Secret)))
	pickedAt := e.Clock.Now()
	pickups := func(c *client.Client, id string) []api.Event {
		t.Helper()
		var out []api.Event
		for _, ev := range must[*api.Letter](t)(c.Letter(ctx, id)).Events {
			if ev.Kind == "picked_up" {
				out = append(out, ev)
			}
		}
		return out
	}
	if p := pickups(city.C, res.ID); len(p) != 1 || !p[0].At.Equal(pickedAt) || p[0].Address != citizen.Address || p[0].Level != "high" {
		t.Fatalf("the sender sees pickups %+v, want one at %s", p, pickedAt)
	}
	e.Clock.Advance(20 * time.Minute)
	l := must[*api.Letter](t)(citizen.C.Letter(ctx, s.ID))
	if l.Text != "vertraulich" || l.Subject != "Grundsteuerbescheid" || !l.Options.PickupConfirmation {
		t.Fatalf("letter at high %+v", l)
	}
	// Later logins at high and openings record nothing more.
	citizen.High()
	if p := pickups(citizen.C, s.ID); len(p) != 1 || !p[0].At.Equal(pickedAt) {
		t.Fatalf("pickups after more logins: %+v", p)
	}
	// A letter arriving later is picked up by the next login at high only.
	res2 := must[*api.SendResponse](t)(city.High().Send(ctx, &api.SendRequest{To: []string{citizen.Address},
		Subject: "Zweiter Bescheid", Text: "x", PickupConfirmation: true}))
	if p := pickups(city.C, res2.ID); len(p) != 0 {
		t.Fatalf("picked up before any login: %+v", p)
	}
	must[*api.Session](t)(e.Public.Login(ctx, citizen.Address, citizen.Password, ""))
	if p := pickups(city.C, res2.ID); len(p) != 0 {
		t.Fatalf("a login at normal counted as pickup: %+v", p)
	}
	citizen.High()
	if p := pickups(city.C, res2.ID); len(p) != 1 {
		t.Fatalf("login at high did not pick up the second letter: %+v", p)
	}
}

func TestDailyLimitAtNormal(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	a := e.Open(pt.PersonApp("Viel", "Schreiber"), true)
	var rcpts []string
	for i := 0; i < 3; i++ {
		rcpts = append(rcpts, e.Open(pt.PersonApp("Empf", "Nger"), false).Address)
	}
	// 100 letters a day (SPEC); here 99 to one recipient, the 100th accepted, the
	// 101st refused.
	for i := 0; i < 100; i++ {
		if _, err := a.C.Send(ctx, &api.SendRequest{To: rcpts[:1], Subject: "n", Text: "x"}); err != nil {
			t.Fatalf("letter %d: %v", i+1, err)
		}
	}
	_, err := a.C.Send(ctx, &api.SendRequest{To: rcpts[:1], Subject: "n", Text: "x"})
	wantErr(t, err, 429, "daily_limit", "to")
	// At high there is no such limit.
	must[*api.SendResponse](t)(a.High().Send(ctx, &api.SendRequest{To: rcpts[:1], Subject: "n", Text: "x"}))
	// The recipients' limit: 300 in total, here 60 letters to 5 recipients each.
	for i := 0; i < 2; i++ {
		rcpts = append(rcpts, e.Open(pt.PersonApp("Noch", "Jemand"), false).Address)
	}
	b := e.Open(pt.PersonApp("Viele", "Empfaenger"), false)
	for i := 0; i < 60; i++ {
		if _, err := b.C.Send(ctx, &api.SendRequest{To: rcpts[:1], Cc: rcpts[1:], Subject: "n", Text: "x"}); err != nil {
			t.Fatalf("letter %d: %v", i+1, err)
		}
	}
	_, err = b.C.Send(ctx, &api.SendRequest{To: rcpts[:1], Subject: "n", Text: "x"})
	wantErr(t, err, 429, "daily_limit", "to")
	// The next day starts afresh.
	e.Clock.Advance(24 * time.Hour)
	s := must[*api.Session](t)(e.Public.Login(ctx, a.Address, a.Password, ""))
	must[*api.SendResponse](t)(e.Public.With(s.Token).Send(ctx, &api.SendRequest{To: rcpts[:1], Subject: "n", Text: "x"}))
}
