package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserSettings: the settings pages as a holder meets them, each
// checked for accessibility and for fitting a 360-pixel phone: the
// overview, the second factor's setup with its QR code (which the CSP must
// let through as a data URL), and the password page with an error.
func TestBrowserSettings(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Erika", "Einstellung"), false)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(e.URL+"/login?next=/settings"), chromedp.WaitVisible(chromedp.CSS("#address")),
		chromedp.SendKeys(chromedp.CSS("#address"), u.Address),
		chromedp.SendKeys(chromedp.CSS("#password"), u.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#sessions")))
	checkA11y(t, ctx, "settings")
	screenshot(t, ctx, "settings")

	do(t, ctx, chromedp.Click(chromedp.CSS(`a.button[href="/settings/totp"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/settings/totp"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/settings/totp"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#totp_code")))
	// The QR code was drawn: the CSP allowed its data URL.
	if w := get(t, ctx, chromedp.Evaluate[int](`document.querySelector("img.settings-qr").naturalWidth`)); w < 100 {
		t.Errorf("the QR code is %d pixels wide: not loaded", w)
	}
	checkA11y(t, ctx, "settings_totp")
	screenshot(t, ctx, "settings_totp")

	do(t, ctx, chromedp.Navigate(e.URL+"/settings/password"), chromedp.WaitVisible(chromedp.CSS("#current_password")),
		chromedp.SendKeys(chromedp.CSS("#current_password"), u.Password),
		chromedp.SendKeys(chromedp.CSS("#new_password"), "zu kurz"),
		chromedp.SendKeys(chromedp.CSS("#new_password2"), "zu kurz"),
		chromedp.Submit(chromedp.CSS("#new_password2")),
		chromedp.WaitVisible(chromedp.CSS("#new_password-error")))
	if got := text(t, ctx, "#new_password-error"); !strings.Contains(got, "Zu kurz") {
		t.Errorf("the weak password's message: %q", got)
	}
	checkA11y(t, ctx, "settings_password")
	screenshot(t, ctx, "settings_password")
}
