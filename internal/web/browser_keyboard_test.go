package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserKeyboard logs in with the keyboard alone: the skip link comes
// first, then the form's fields in order, and Enter sends each form.
func TestBrowserKeyboard(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	u := e.Open(pt.PersonApp("Karl", "Tastatur"), true)
	ctx := newBrowser(t)
	do(t, ctx, chromedp.Navigate(e.URL+"/login"), chromedp.WaitVisible(chromedp.CSS("#address")))
	focused := func() string {
		return get(t, ctx, chromedp.Evaluate[string](`(document.activeElement.id || document.activeElement.className || document.activeElement.tagName)`))
	}
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if f := focused(); f != "skip" {
		t.Errorf("the first Tab reaches %q, want the skip link", f)
	}
	// From the skip link to the address field: the skip link itself.
	do(t, ctx, chromedp.KeyEvent(kb.Enter))
	for i := 0; i < 30 && focused() != "address"; i++ {
		do(t, ctx, chromedp.KeyEvent(kb.Tab))
	}
	if f := focused(); f != "address" {
		t.Fatalf("Tab never reaches the address field (at %q)", f)
	}
	do(t, ctx, chromedp.KeyEvent(u.Address), chromedp.KeyEvent(kb.Tab))
	if f := focused(); f != "password" {
		t.Fatalf("Tab after the address reaches %q, want the password", f)
	}
	do(t, ctx, chromedp.KeyEvent(u.Password+kb.Enter), chromedp.WaitVisible(chromedp.CSS("#totp_code")))
	// The code field has the focus on arrival.
	if f := focused(); f != "totp_code" {
		t.Errorf("the step-up page focuses %q, want the code", f)
	}
	do(t, ctx, chromedp.KeyEvent(e.Code(u.Secret)+kb.Enter), chromedp.WaitVisible(chromedp.CSS(".level-high")))
}
