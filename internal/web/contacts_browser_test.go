package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserContacts: in Chromium, the address book page passes the
// accessibility check, and compose offers a contact (TR PVD-FU §3.1.3.5):
// the picker's <datalist> holds it, and picking it puts the address in
// the To field, where the address check sees it.
func TestBrowserContacts(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Wählt"), false)
	ben := e.Open(pt.PersonApp("Ben", "Gewählt"), false)
	if _, err := anna.C.AddContact(t.Context(), &api.ContactRequest{Address: ben.Address, Name: "Ben Gewählt", Note: "Kollege"}); err != nil {
		t.Fatal(err)
	}
	ctx := composeBrowserLogin(t, e, anna)
	do(t, ctx, chromedp.Navigate(e.URL+"/contacts"), chromedp.WaitVisible(chromedp.CSS("table.contacts")))
	if got := text(t, ctx, "table.contacts tbody"); !(strings.Contains(got, ben.Address) && strings.Contains(got, "Ben Gewählt") && strings.Contains(got, "Kollege")) {
		t.Errorf("the address book shows %q", got)
	}
	checkA11y(t, ctx, "contacts")
	screenshot(t, ctx, "contacts")

	do(t, ctx, chromedp.Navigate(e.URL+"/compose"), chromedp.WaitVisible(chromedp.CSS("#to_contact")))
	offered := get(t, ctx, chromedp.Evaluate[[]string](
		`Array.from(document.querySelectorAll("#compose-contacts option")).map(o => o.value + " " + o.textContent)`))
	if len(offered) != 1 || offered[0] != ben.Address+" Ben Gewählt" {
		t.Fatalf("compose offers %q", offered)
	}
	if l := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("to_contact").list.id`)); l != "compose-contacts" {
		t.Fatalf("the To picker's list is %q", l)
	}
	checkA11y(t, ctx, "compose with contacts")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#to_contact"), ben.Address),
		chromedp.WaitVisible(chromedp.CSS("#to-check.ok")))
	if to := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("to").value`)); to != ben.Address {
		t.Errorf("To after picking: %q", to)
	}
	if pick := get(t, ctx, chromedp.Evaluate[string](`document.getElementById("to_contact").value`)); pick != "" {
		t.Errorf("the picker after picking: %q", pick)
	}
}
