package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// composeBrowserLogin logs u in through the login page, at normal.
func composeBrowserLogin(t *testing.T, e *pt.Env, u *pt.User) context.Context {
	t.Helper()
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#address")),
		chromedp.SendKeys(chromedp.CSS("#address"), u.Address),
		chromedp.SendKeys(chromedp.CSS("#password"), u.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(".level")))
	return ctx
}

// TestBrowserMail walks the mail pages in Chromium: the inbox, a letter
// with its evidence, a personal letter at normal, the compose page; each
// checked for accessibility.
func TestBrowserMail(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Browserhausen", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Klickt"), true)
	cityC := city.High()
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Bescheid über Grundsteuer", PrivateID: "AZ 7/27",
		Text: "Sehr geehrte Frau Klickt,\n<script>alert(1)</script>", ReceiptConfirmation: true, SenderConfirmed: true,
		Attachments: []api.Attachment{{Filename: "Bescheid.pdf", ContentType: "application/pdf", Data: []byte("%PDF")}}})
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Persönlich", Text: "x", Personal: true})
	ctx := composeBrowserLogin(t, e, erika)
	do(t, ctx, chromedp.Navigate(e.URL+"/mail/inbox"), chromedp.WaitVisible(chromedp.CSS("table.mail-list")))
	checkA11y(t, ctx, "inbox")
	screenshot(t, ctx, "mail-inbox")
	id := mailCopy(t, erika.C, "inbox", "Bescheid über Grundsteuer")
	do(t, ctx, chromedp.Navigate(e.URL+"/letter/"+id), chromedp.WaitVisible(chromedp.CSS("pre.body")))
	if got := text(t, ctx, "pre.body"); !strings.Contains(got, "<script>alert(1)</script>") {
		t.Errorf("the text as shown: %q", got)
	}
	checkA11y(t, ctx, "letter")
	screenshot(t, ctx, "mail-letter")
	hidden := mailCopy(t, erika.C, "inbox", city.Address)
	do(t, ctx, chromedp.Navigate(e.URL+"/letter/"+hidden), chromedp.WaitVisible(chromedp.CSS(".mail-stepup")))
	checkA11y(t, ctx, "personal letter")
	do(t, ctx, chromedp.Navigate(e.URL+"/compose"), chromedp.WaitVisible(chromedp.CSS("#to")))
	checkA11y(t, ctx, "compose")
	screenshot(t, ctx, "compose")
}

// TestBrowserCompose drives compose.js: the address check marks a field
// as the address is typed, the draft survives a reload, and is gone after
// the letter is sent.
func TestBrowserCompose(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Tippt"), false)
	bert := e.Open(pt.PersonApp("Bert", "Wartet"), false)
	ctx := composeBrowserLogin(t, e, anna)
	do(t, ctx, chromedp.Navigate(e.URL+"/compose"), chromedp.WaitVisible(chromedp.CSS("#to")),
		chromedp.SendKeys(chromedp.CSS("#to"), bert.Address),
		chromedp.WaitVisible(chromedp.CSS("#to-check.ok")),
		chromedp.SendKeys(chromedp.CSS("#cc"), "niemand@"+e.Domain),
		chromedp.WaitVisible(chromedp.CSS("#cc-check.bad")),
		chromedp.WaitVisible(chromedp.CSS(`#cc[aria-invalid="true"]`)),
		chromedp.SendKeys(chromedp.CSS("#subject"), "Entwurf"),
		chromedp.SendKeys(chromedp.CSS("#text"), "Hallo Bert"),
		chromedp.Click(chromedp.CSS("#opt-dispatch_confirmation")))
	if got := text(t, ctx, "#cc-check"); !strings.Contains(got, "ist hier nicht in Gebrauch") {
		t.Errorf("the check of cc: %q", got)
	}
	// An expired page, a reload: the draft comes back.
	do(t, ctx, chromedp.Navigate(e.URL+"/compose"), chromedp.WaitVisible(chromedp.CSS(".compose-restored")))
	for sel, want := range map[string]string{"#to": bert.Address, "#cc": "niemand@" + e.Domain, "#subject": "Entwurf", "#text": "Hallo Bert"} {
		if got := get(t, ctx, chromedp.Value(chromedp.CSS(sel))); got != want {
			t.Errorf("%s restored as %q, want %q", sel, got, want)
		}
	}
	if !get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("opt-dispatch_confirmation").checked`)) {
		t.Error("the option was not restored")
	}
	// Sent, the draft is gone.
	get(t, ctx, chromedp.Evaluate[bool](`document.getElementById("cc").value = "", true`))
	do(t, ctx, chromedp.Click(chromedp.CSS(".compose-send button.primary")),
		chromedp.WaitVisible(chromedp.CSS(".mail-subject")))
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "Ihr Brief ist versandt") {
		t.Errorf("after sending: %q", got)
	}
	key := "siegel-draft:" + anna.Address
	if left := get(t, ctx, chromedp.Evaluate[bool](`localStorage.getItem("`+key+`") !== null`)); left {
		t.Error("the draft is still kept after sending")
	}
	do(t, ctx, chromedp.Navigate(e.URL+"/compose"), chromedp.WaitVisible(chromedp.CSS("#to")))
	if got := get(t, ctx, chromedp.Value(chromedp.CSS("#subject"))); got != "" {
		t.Errorf("a new letter starts with %q", got)
	}
	mailCopy(t, bert.C, "inbox", "Entwurf")
}
