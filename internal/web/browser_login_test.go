package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserLogin: the landing page, a wrong password (the message next
// to its field, the address kept), the login, the step-up with the TOTP
// code, the language switch; each page checked for accessibility.
func TestBrowserLogin(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	erika := e.Open(pt.PersonApp("Erika", "Browser"), true)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(e.URL+"/"), chromedp.WaitVisible(chromedp.CSS("a.button.primary")))
	checkA11y(t, ctx, "home")
	screenshot(t, ctx, "home")
	do(t, ctx, chromedp.Click(chromedp.CSS("a.button.primary")), chromedp.WaitVisible(chromedp.CSS("#address")))
	checkA11y(t, ctx, "login")
	screenshot(t, ctx, "login")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#address"), erika.Address),
		chromedp.SendKeys(chromedp.CSS("#password"), "falsch"),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#password-error")))
	if got := text(t, ctx, "#password-error"); !strings.Contains(got, "Passwort stimmen nicht") {
		t.Errorf("the wrong password's message: %q", got)
	}
	if kept := get(t, ctx, chromedp.Value(chromedp.CSS("#address"))); kept != erika.Address {
		t.Errorf("the address was not kept: %q", kept)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#password"), erika.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS("#totp_code")))
	if got := text(t, ctx, ".level"); !strings.Contains(got, "normal") {
		t.Errorf("the level after the password: %q", got)
	}
	checkA11y(t, ctx, "stepup")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(erika.Secret)),
		chromedp.Submit(chromedp.CSS("#totp_code")),
		chromedp.WaitVisible(chromedp.CSS(".level-high")))
	// English, and back.
	do(t, ctx, chromedp.Click(chromedp.CSS(`button[name=lang][value=en]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[name=lang][value=de]`)))
	if got := text(t, ctx, ".level"); got != "Login level high" {
		t.Errorf("in English: %q", got)
	}
}
