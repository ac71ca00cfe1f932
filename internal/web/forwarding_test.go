package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestForwardingPage: the automatic forwarding's settings page without
// script (TR PVD-FU §3.1.3.2; DMG §5(11)). The overview links to it; at
// normal it shows the setting and leads to the step-up instead of a form,
// and a forged post is refused; at high a refusal stands next to the field
// in the page's language with what was entered kept (own address, unknown
// address, a loop); a valid address is set, shown in German and English,
// and removed.
func TestForwardingPage(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Leitet"), true)
	ben := e.Open(pt.PersonApp("Ben", "Empfängt"), true)
	b := newMailBrowser(t, e)
	b.login(anna)

	b.get("/settings")
	b.want(http.StatusOK, "/settings", `href="/settings/forwarding"`, "Automatische Weiterleitung")
	b.get("/settings/forwarding")
	b.want(http.StatusOK, "/settings/forwarding", "Keine automatische Weiterleitung.", `href="/stepup?next=/settings/forwarding"`,
		"Abholbestätigung")
	b.lacks(`name="target"`)
	b.post("/settings/forwarding", url.Values{"target": {ben.Address}})
	b.want(http.StatusForbidden, "/settings/forwarding", "Anmeldeniveau hoch")
	if f, _ := anna.C.Forwarding(ctx); f.Enabled {
		t.Fatal("a forged post at normal set the forwarding")
	}

	b.stepUp(anna, "/settings/forwarding")
	b.want(http.StatusOK, "/settings/forwarding", `name="target"`, `name="exclude_personal"`)
	b.submit("/settings/forwarding", url.Values{"target": {anna.Address}})
	b.want(http.StatusBadRequest, "/settings/forwarding", `id="target-error"`, "Ihre eigene Adresse", `value="`+anna.Address+`"`)
	b.submit("/settings/forwarding", url.Values{"target": {"niemand@" + e.Domain}, "exclude_personal": {"yes"}})
	b.want(http.StatusBadRequest, "/settings/forwarding", `id="target-error"`, "niemand@"+e.Domain+" ist hier keine De-Mail-Adresse",
		`value="yes" checked`)
	if _, err := ben.High().SetForwarding(ctx, &api.ForwardingRequest{Target: anna.Address}); err != nil {
		t.Fatal(err)
	}
	b.submit("/settings/forwarding", url.Values{"target": {ben.Address}})
	b.want(http.StatusBadRequest, "/settings/forwarding", `id="target-error"`, "im Kreis")
	if err := ben.C.RemoveForwarding(ctx); err != nil {
		t.Fatal(err)
	}

	b.submit("/settings/forwarding", url.Values{"target": {ben.Address}, "exclude_personal": {"yes"}})
	b.want(http.StatusOK, "/settings/forwarding", "Die Weiterleitung ist eingerichtet.", "Briefe an Sie werden weitergeleitet an",
		ben.Address, "Persönliche Briefe werden nicht weitergeleitet", `value="yes" checked`, "Weiterleitung beenden")
	if f, err := anna.C.Forwarding(ctx); err != nil || !f.Enabled || f.Target != ben.Address || !f.ExcludePersonal {
		t.Fatalf("the setting made on the page: %v %+v", err, f)
	}
	b.lang = "en"
	b.get("/settings/forwarding")
	b.want(http.StatusOK, "/settings/forwarding", "Letters to you are forwarded to", "Personal letters are not forwarded", "End forwarding")
	b.lang = ""

	b.submit("/settings/forwarding/remove", url.Values{})
	b.want(http.StatusOK, "/settings/forwarding", "Die Weiterleitung ist beendet.", "Keine automatische Weiterleitung.")
	if f, err := anna.C.Forwarding(ctx); err != nil || f.Enabled {
		t.Fatalf("after removal on the page: %v %+v", err, f)
	}
}

// TestOfficerCloseWithForwardingOrder: the officers' console closes an
// account with a forwarding order (TR PVD-FU §3.1.3.3): an address that
// cannot take the letters is refused next to its field, and the account
// stays open; a valid one is shown on the confirmation step and, once
// confirmed, the account's letters reach it.
func TestOfficerCloseWithForwardingOrder(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	anna := e.Open(pt.PersonApp("Anna", "Zieht"), false)
	ben := e.Open(pt.PersonApp("Ben", "Bleibt"), false)
	sam := e.Open(pt.PersonApp("Sam", "Schreibt"), false)
	one := regOfficer(t, e, "Olga Eins")
	path := "/officer/account/" + anna.ID + "/close"

	one.get("/officer/account/"+anna.ID).want(t, http.StatusOK, `name="forward_to"`, "Nachsendeauftrag an")
	ask := one.post(path, url.Values{"close_reason": {"Umzug"}, "forward_to": {ben.Address}})
	ask.want(t, http.StatusOK, "Soll das Konto", ben.Address, `<input type="hidden" name="forward_to" value="`+ben.Address+`">`,
		"ein halbes Jahr lang an "+ben.Address)
	bad := one.post(path, url.Values{"close_reason": {"Umzug"}, "forward_to": {"niemand@" + e.Domain}, "confirm": {"yes"}})
	bad.want(t, http.StatusBadRequest, `id="forward-to-error"`, "Das ist hier keine De-Mail-Adresse.")
	if d, err := e.Officer1.Account(ctx, anna.ID); err != nil || d.Account.Status == "closed" {
		t.Fatalf("a refused order: %v %+v", err, d)
	}
	done := one.post(path, url.Values{"close_reason": {"Umzug"}, "forward_to": {ben.Address}, "confirm": {"yes"}})
	done.want(t, http.StatusOK, "Das Konto ist aufgelöst.", ben.Address)

	if _, err := sam.C.Send(ctx, &api.SendRequest{To: []string{anna.Address}, Subject: "Nachgesandt", Text: "…"}); err != nil {
		t.Fatal(err)
	}
	l, err := ben.C.List(ctx, "inbox", 10, "")
	if err != nil || len(l.Letters) != 1 || l.Letters[0].Subject != "Nachgesandt" {
		t.Fatalf("the order's inbox: %v %+v", err, l)
	}
}
