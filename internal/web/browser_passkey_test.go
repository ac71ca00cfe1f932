package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// virtualAuthenticator gives the browser's tab a platform authenticator
// of Chromium's own (the DevTools WebAuthn domain): CTAP2, built in,
// discoverable credentials, user verification that succeeds and presence
// confirmed at once, as a phone's fingerprint reader would.
func virtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	if _, err := chromedp.Call(ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		t.Fatalf("WebAuthn.enable: %v", err)
	}
	_, err := chromedp.Call(ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{Protocol: webauthn.AuthenticatorProtocolCtap2,
			Ctap2version: webauthn.Ctap2versionCtap21, Transport: webauthn.AuthenticatorTransportInternal,
			HasResidentKey: true, HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true}})
	if err != nil {
		t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
}

// TestBrowserPasskey: a holder with TOTP logs in and steps up with her
// code, adds a passkey in the settings (Chromium's virtual authenticator
// makes it), logs out, logs in with the password, steps up with the
// passkey alone and reaches level high, and a personal letter opens. The
// pages are at https://localhost: WebAuthn wants a host name, and Chromium
// allows it on localhost despite the test certificate.
func TestBrowserPasskey(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	le := atLocalhost(e)
	city := e.Open(pt.OrgApp("authority", "Stadt Schlüsselfeld", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Schlüssel"), true)
	ctx := newBrowser(t)
	virtualAuthenticator(t, ctx)

	// Password, then the TOTP code: high.
	do(t, ctx, chromedp.Navigate(le.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#address"), erika.Address), chromedp.SendKeys(chromedp.CSS("#password"), erika.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#totp_code")))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("[data-passkey]").length`)); n != 0 {
		t.Errorf("the step-up offers a passkey before there is one (%d)", n)
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(erika.Secret)),
		chromedp.Submit(chromedp.CSS("#totp_code")), chromedp.WaitVisible(chromedp.CSS(".level-high")))

	// The passkey, added in the settings.
	do(t, ctx, chromedp.Navigate(le.URL+"/settings#passkeys"), chromedp.WaitVisible(chromedp.CSS(`[data-passkey="add"]`)))
	if get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("[data-passkey-unsupported]").hidden`)) != true {
		t.Error("a browser with WebAuthn is told that passkeys need a current browser")
	}
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#passkey-name"), "Laptop"),
		chromedp.Click(chromedp.CSS(`[data-passkey="add"] [data-passkey-start]`)),
		chromedp.WaitVisible(chromedp.CSS("table.passkeys")))
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "Der Passkey ist hinzugefügt") {
		t.Errorf("after adding: %q", got)
	}
	if got := text(t, ctx, "table.passkeys"); !strings.Contains(got, "Laptop") || !strings.Contains(got, "noch nie") {
		t.Errorf("the passkeys listed: %q", got)
	}
	// The same authenticator again: it holds this account's passkey.
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-passkey="add"] [data-passkey-start]`)),
		chromedp.WaitVisible(chromedp.CSS("[data-passkey-error]")))
	if got := text(t, ctx, "[data-passkey-error]"); !strings.Contains(got, "schon ein Passkey") {
		t.Errorf("adding the same authenticator twice: %q", got)
	}
	checkA11y(t, ctx, "settings-passkeys")
	screenshot(t, ctx, "settings-passkeys")

	// A personal letter arrives meanwhile.
	if _, err := city.High().Send(context.Background(), &api.SendRequest{To: []string{erika.Address},
		Subject: "Bescheid über die Grundsteuer", Text: "Sehr geehrte Frau Schlüssel, anbei der Bescheid.",
		Personal: true}); err != nil {
		t.Fatal(err)
	}

	// Out, in with the password, and up with the passkey alone.
	do(t, ctx, chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`a[href="/login"]`)),
		chromedp.Navigate(le.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#address"), erika.Address), chromedp.SendKeys(chromedp.CSS("#password"), erika.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(`[data-passkey="stepup"]`)))
	if got := text(t, ctx, ".level"); !strings.Contains(got, "normal") {
		t.Errorf("the level after the password: %q", got)
	}
	checkA11y(t, ctx, "stepup-passkey")
	screenshot(t, ctx, "stepup-passkey")
	do(t, ctx, chromedp.Click(chromedp.CSS(`[data-passkey="stepup"] [data-passkey-start]`)),
		chromedp.WaitVisible(chromedp.CSS(".level-high")))

	// The personal letter opens.
	do(t, ctx, chromedp.Navigate(le.URL+"/mail/inbox"), chromedp.WaitVisible(chromedp.CSS(".mail-list")),
		chromedp.Click(chromedp.CSS(".mail-list a[href^='/letter/']")), chromedp.WaitVisible(chromedp.CSS(".mail-subject")))
	if page := text(t, ctx, "main"); !strings.Contains(page, "anbei der Bescheid") || !strings.Contains(page, "Grundsteuer") {
		t.Errorf("the personal letter at high:\n%s", page)
	}
	// And the passkey has been used.
	do(t, ctx, chromedp.Navigate(le.URL+"/settings#passkeys"), chromedp.WaitVisible(chromedp.CSS("table.passkeys")))
	if got := text(t, ctx, "table.passkeys"); strings.Contains(got, "noch nie") {
		t.Errorf("the passkey's last use is not shown: %q", got)
	}
}
