package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserForwarding: in Chromium, a holder logs in with her second
// factor, sets up automatic forwarding on its settings page (TR PVD-FU
// §3.1.3.2), sees it set, and ends it after the page asks her to confirm;
// the page passes the accessibility check with the form, with a refusal
// next to its field, and with the setting shown.
func TestBrowserForwarding(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Klickt"), true)
	ben := e.Open(pt.PersonApp("Ben", "Empfängt"), false)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(e.URL+"/login?next=/settings/forwarding"), chromedp.WaitVisible(chromedp.CSS("#address")),
		chromedp.SendKeys(chromedp.CSS("#address"), anna.Address),
		chromedp.SendKeys(chromedp.CSS("#password"), anna.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#totp_code")),
		chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(anna.Secret)),
		chromedp.Submit(chromedp.CSS("#totp_code")),
		chromedp.WaitVisible(chromedp.CSS("#target")))
	if got := text(t, ctx, ".forwarding-state"); !strings.Contains(got, "Keine automatische Weiterleitung") {
		t.Errorf("before: %q", got)
	}
	checkA11y(t, ctx, "settings_forwarding")

	// Her own address: refused next to the field, which keeps it.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#target"), anna.Address),
		chromedp.Click(chromedp.CSS(".forwarding-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS("#target-error")))
	if got := text(t, ctx, "#target-error"); !strings.Contains(got, "eigene Adresse") {
		t.Errorf("the refusal: %q", got)
	}
	checkA11y(t, ctx, "settings_forwarding with an error")

	do(t, ctx, chromedp.Clear(chromedp.CSS("#target")),
		chromedp.SendKeys(chromedp.CSS("#target"), ben.Address),
		chromedp.Click(chromedp.CSS("#exclude-personal")),
		chromedp.Click(chromedp.CSS(".forwarding-form button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".forwarding-remove")))
	if got := text(t, ctx, ".forwarding-state"); !strings.Contains(got, ben.Address) {
		t.Errorf("set: %q", got)
	}
	if f, err := anna.C.Forwarding(t.Context()); err != nil || !f.Enabled || f.Target != ben.Address || !f.ExcludePersonal {
		t.Fatalf("the setting made in the browser: %v %+v", err, f)
	}
	checkA11y(t, ctx, "settings_forwarding set")
	screenshot(t, ctx, "settings_forwarding")

	// Ending it asks first (static/app.js data-confirm).
	// What it asked outlives the page in sessionStorage.
	do(t, ctx, chromedp.Evaluate[chromedp.Void](`window.confirm = m => { sessionStorage.setItem("asked", m); return true; }`),
		chromedp.Click(chromedp.CSS(".forwarding-remove button")),
		chromedp.WaitNotPresent(chromedp.CSS(".forwarding-remove")))
	asked := get(t, ctx, chromedp.Evaluate[string](`sessionStorage.getItem("asked") || ""`))
	if !strings.Contains(asked, ben.Address) {
		t.Errorf("the confirmation asked %q", asked)
	}
	if got := text(t, ctx, ".forwarding-state"); !strings.Contains(got, "Keine automatische Weiterleitung") {
		t.Errorf("after removal: %q", got)
	}
	if f, err := anna.C.Forwarding(t.Context()); err != nil || f.Enabled {
		t.Fatalf("after removal in the browser: %v %+v", err, f)
	}
}
