package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserSearch: in Chromium, a holder searches from the inbox with the
// advanced part (TR PVD-FU §3.1.3.8): it opens with a click, a subject and
// an option find the one letter, the results keep the filters; a reversed
// range of days is refused at its field, said to screen readers; both pages
// pass the accessibility check.
func TestBrowserSearch(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Suchdorf", true), true)
	erika := e.Open(pt.PersonApp("Erika", "Findet"), false)
	cityC := city.High()
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Steuerbescheid 2027", Text: "x",
		ReceiptConfirmation: true})
	e.Clock.Advance(time.Minute)
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Hundesteuer", Text: "x"})
	e.Clock.Advance(time.Minute)
	mailSend(t, cityC, &api.SendRequest{To: []string{erika.Address}, Subject: "Steuererklärung erinnert", Text: "x"})

	ctx := composeBrowserLogin(t, e, erika)
	do(t, ctx, chromedp.Navigate(e.URL+"/mail/inbox"), chromedp.WaitVisible(chromedp.CSS("form.mail-search")))
	if open := get(t, ctx, chromedp.Evaluate[bool](`document.querySelector("details.search-advanced").open`)); open {
		t.Error("the advanced part is open before anything was asked")
	}
	do(t, ctx, chromedp.Click(chromedp.CSS("details.search-advanced summary")),
		chromedp.WaitVisible(chromedp.CSS("#s-subject")),
		chromedp.SendKeys(chromedp.CSS("#s-subject"), "steuer"),
		chromedp.SetValue(chromedp.CSS("#s-option"), "receipt_confirmation"),
		chromedp.Click(chromedp.CSS("details.search-advanced button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("h2.mail-results")))
	rows := text(t, ctx, "table.mail-list tbody")
	if !strings.Contains(rows, "Steuerbescheid 2027") || strings.Contains(rows, "Steuererklärung") || strings.Contains(rows, "Hundesteuer") {
		t.Errorf("the results: %q", rows)
	}
	if got := get(t, ctx, chromedp.Value(chromedp.CSS("#s-subject"))); got != "steuer" {
		t.Errorf("the subject after searching: %q", got)
	}
	checkA11y(t, ctx, "search results")
	screenshot(t, ctx, "search-results")

	do(t, ctx, chromedp.Clear(chromedp.CSS("#s-subject")),
		chromedp.SetValue(chromedp.CSS("#s-option"), ""),
		chromedp.SetValue(chromedp.CSS("#s-after"), "2027-03-14"),
		chromedp.SetValue(chromedp.CSS("#s-until"), "2027-03-01"),
		chromedp.Click(chromedp.CSS("details.search-advanced button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#s-until-error")))
	if msg := text(t, ctx, "#s-until-error"); msg != "Das Ende des Zeitraums darf nicht vor seinem Anfang liegen." {
		t.Errorf("the range's error: %q", msg)
	}
	described := get(t, ctx, chromedp.Evaluate[string](
		`(e => e.getAttribute("aria-invalid") + " " + e.getAttribute("aria-describedby"))(document.getElementById("s-until"))`))
	if described != "true s-until-error" {
		t.Errorf("the field with the error: %q", described)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("table.mail-list").length`)); n != 0 {
		t.Error("a refused search lists letters")
	}
	checkA11y(t, ctx, "search error")
}
