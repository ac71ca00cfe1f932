package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserJourney is the whole way of a citizen, in Chromium, as issue 6
// describes it: she applies through the form; an officer verifies her
// identity from an ID card and a second officer confirms it (four eyes),
// which gives her initial password; she logs in and enrols TOTP by its
// QR code's secret; an authority sends her a personal letter with pickup
// confirmation; she sees that it needs high, steps up and opens it; and the
// authority's own view of the letter then shows the pickup confirmation,
// verified on the server. Each main page is checked for accessibility and
// photographed.
func TestBrowserJourney(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := context.Background()
	city := e.Open(pt.OrgApp("authority", "Stadt Weitblick", true), true)
	off1, err := e.Operator.AddOfficer(ctx, "Olga Erstprüferin", "officer")
	if err != nil {
		t.Fatal(err)
	}
	off2, err := e.Operator.AddOfficer(ctx, "Otto Zweitprüfer", "officer")
	if err != nil {
		t.Fatal(err)
	}
	lena := newBrowser(t)

	// The application.
	do(t, lena, chromedp.Navigate(e.URL+"/register?kind=person"), chromedp.WaitVisible(chromedp.CSS("#person-surname")))
	checkA11y(t, lena, "register")
	screenshot(t, lena, "register")
	for _, f := range []struct{ id, v string }{{"person-first-names", "Lena"}, {"person-surname", "Weitblick"},
		{"person-birth-place", "Bonn"}, {"person-street", "Am Markt 3"}, {"person-postcode", "53111"},
		{"person-town", "Bonn"}} {
		do(t, lena, chromedp.SendKeys(chromedp.CSS("#"+f.id), f.v))
	}
	do(t, lena, chromedp.SetValue(chromedp.CSS("#person-birth-date"), "1991-04-01"),
		chromedp.Click(chromedp.CSS("#info-acknowledged")), chromedp.Click(chromedp.CSS("#malware-consent")),
		chromedp.Click(chromedp.CSS(`form[action="/register"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#address-0")))
	checkA11y(t, lena, "register-choose")
	do(t, lena, chromedp.Click(chromedp.CSS("#address-0")),
		chromedp.Click(chromedp.CSS(`form[action="/register/apply"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(".register-ref")))
	checkA11y(t, lena, "register-status")
	screenshot(t, lena, "register-status")
	id := text(t, lena, ".register-ref")
	address := text(t, lena, "dd code")

	// Four eyes at the registration desk.
	desk := newBrowser(t)
	officerLogin := func(token string) {
		do(t, desk, chromedp.Navigate(e.URL+"/officer/login"), chromedp.SendKeys(chromedp.CSS("#token"), token),
			chromedp.Submit(chromedp.CSS("#token")), chromedp.WaitVisible(chromedp.CSS("#q")))
	}
	officerLogin(off1.Token)
	if !strings.Contains(text(t, desk, "main"), address) {
		t.Errorf("the application of %s is not among the pending ones", address)
	}
	checkA11y(t, desk, "officer")
	screenshot(t, desk, "officer")
	do(t, desk, chromedp.Navigate(e.URL+"/officer/account/"+id), chromedp.WaitVisible(chromedp.CSS("#method-id_card")),
		chromedp.Click(chromedp.CSS("#method-id_card")),
		chromedp.SendKeys(chromedp.CSS("#verification-document-type"), "Personalausweis"),
		chromedp.Click(chromedp.CSS(`form[action$="/verify"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action$="/confirm"]`)))
	checkA11y(t, desk, "officer-account")
	screenshot(t, desk, "officer-account")
	do(t, desk, chromedp.Click(chromedp.CSS(`form[action="/officer/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS("a.button.primary")))
	officerLogin(off2.Token)
	do(t, desk, chromedp.Navigate(e.URL+"/officer/account/"+id),
		chromedp.Click(chromedp.CSS(`form[action$="/confirm"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#initial-password")))
	password := strings.TrimSpace(text(t, desk, "#initial-password"))

	// Lena's first login, and her second factor.
	do(t, lena, chromedp.Navigate(e.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#address"), address), chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS(".level")),
		chromedp.Navigate(e.URL+"/settings/totp"),
		chromedp.Click(chromedp.CSS(`form[action="/settings/totp"] button.primary`)),
		chromedp.WaitVisible(chromedp.CSS("#totp-secret")))
	checkA11y(t, lena, "settings-totp")
	screenshot(t, lena, "settings-totp")
	secret := strings.ReplaceAll(text(t, lena, "#totp-secret"), " ", "")
	do(t, lena, chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(secret)),
		chromedp.Submit(chromedp.CSS("#totp_code")), chromedp.WaitNotPresent(chromedp.CSS("#totp-secret")))

	// The authority's letter: personal, with pickup confirmation.
	sent, err := city.High().Send(ctx, &api.SendRequest{To: []string{address}, Subject: "Bescheid über die Hundesteuer",
		Text: "Sehr geehrte Frau Weitblick, anbei der Bescheid.", PickupConfirmation: true,
		DispatchConfirmation: true, ReceiptConfirmation: true, PrivateID: "HSt 2027/12"})
	if err != nil {
		t.Fatal(err)
	}
	do(t, lena, chromedp.Navigate(e.URL+"/mail/inbox"), chromedp.WaitVisible(chromedp.CSS(".mail-list")))
	if inbox := text(t, lena, ".mail-list"); strings.Contains(inbox, "Hundesteuer") || !strings.Contains(inbox, city.Address) {
		t.Errorf("a personal letter in the inbox at normal shows more than sender and arrival:\n%s", inbox)
	}
	checkA11y(t, lena, "inbox")
	screenshot(t, lena, "inbox")
	do(t, lena, chromedp.Click(chromedp.CSS(".mail-list a[href^='/letter/']")), chromedp.WaitVisible(chromedp.CSS(".mail-stepup")))
	if page := text(t, lena, "main"); strings.Contains(page, "Hundesteuer") || strings.Contains(page, "anbei der Bescheid") {
		t.Errorf("the personal letter at normal shows its content:\n%s", page)
	}
	checkA11y(t, lena, "letter-hidden")
	screenshot(t, lena, "letter-hidden")
	e.Clock.Advance(30 * time.Second) // the next TOTP step: a code is used once
	do(t, lena, chromedp.Click(chromedp.CSS(".mail-stepup a.button")), chromedp.WaitVisible(chromedp.CSS("#totp_code")),
		chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(secret)), chromedp.Submit(chromedp.CSS("#totp_code")),
		chromedp.WaitVisible(chromedp.CSS(".mail-subject")))
	if page := text(t, lena, "main"); !strings.Contains(page, "anbei der Bescheid") || !strings.Contains(page, "HSt 2027/12") {
		t.Errorf("the letter at high:\n%s", page)
	}
	checkA11y(t, lena, "letter")
	screenshot(t, lena, "letter")

	// The authority sees the pickup confirmation, verified.
	e.Clock.Advance(30 * time.Second)
	cityB := newBrowser(t)
	do(t, cityB, chromedp.Navigate(e.URL+"/login"),
		chromedp.SendKeys(chromedp.CSS("#address"), city.Address), chromedp.SendKeys(chromedp.CSS("#password"), city.Password),
		chromedp.Submit(chromedp.CSS("#password")), chromedp.WaitVisible(chromedp.CSS("#totp_code")),
		chromedp.SendKeys(chromedp.CSS("#totp_code"), e.Code(city.Secret)), chromedp.Submit(chromedp.CSS("#totp_code")),
		chromedp.WaitVisible(chromedp.CSS(".level-high")))
	var panel string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		do(t, cityB, chromedp.Navigate(e.URL+"/letter/"+sent.ID), chromedp.WaitVisible(chromedp.CSS(".mail-subject")))
		panel = text(t, cityB, "main")
		if strings.Contains(panel, "Abholbestätigung") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no pickup confirmation in the authority's view after 30 s:\n%s", panel)
		}
	}
	ok := get(t, cityB, chromedp.Evaluate[int](`document.querySelectorAll(".mail-evtable .badge.ok").length`))
	bad := get(t, cityB, chromedp.Evaluate[int](`document.querySelectorAll(".mail-evtable .badge.bad").length`))
	if ok < 3 || bad != 0 {
		t.Errorf("evidence verified: %d ok, %d failed, want dispatch, receipt and pickup ok:\n%s", ok, bad, panel)
	}
	checkA11y(t, cityB, "letter-evidence")
	screenshot(t, cityB, "letter-evidence")
}
