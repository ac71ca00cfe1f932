package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestBrowserFolders: in Chromium, the holder makes two folders (TR PVD-FU
// §3.1.3.7), moves a letter into one from its page and files a copy of it
// in the other; the folders' page counts one letter in each, the inbox no
// longer lists it, and the folders' page, a folder's page and the letter's
// page with its move and copy forms pass the accessibility check.
func TestBrowserFolders(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Ablegt"), true)
	erika := e.Open(pt.PersonApp("Erika", "Ordnet"), true)
	mailSend(t, anna.High(), &api.SendRequest{To: []string{erika.Address}, Subject: "Grundsteuerbescheid 2027", Text: "x"})
	letter := mailCopy(t, erika.C, "inbox", "Grundsteuerbescheid 2027")
	ctx := composeBrowserLogin(t, e, erika)

	do(t, ctx, chromedp.Navigate(e.URL+"/folders"), chromedp.WaitVisible(chromedp.CSS("#name")))
	checkA11y(t, ctx, "folders, none yet")
	for _, name := range []string{"Steuer", "Archiv"} {
		do(t, ctx, dropNotice(), chromedp.SendKeys(chromedp.CSS("#name"), name),
			chromedp.Click(chromedp.CSS("form.folders-add button.primary")),
			chromedp.WaitVisible(chromedp.CSS(".notice")), chromedp.WaitVisible(chromedp.CSS("table.folders")))
	}
	ids := get(t, ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
		document.querySelectorAll("table.folders tbody tr")).map(r => [r.querySelector("a").textContent, r.id.slice(2)]))`))
	if ids["Steuer"] == "" || ids["Archiv"] == "" {
		t.Fatalf("folders listed: %v", ids)
	}

	do(t, ctx, chromedp.Navigate(e.URL+"/letter/"+letter), chromedp.WaitVisible(chromedp.CSS("#move-to")))
	checkA11y(t, ctx, "letter with move and copy")
	do(t, ctx, dropNotice(), chromedp.SetValue(chromedp.CSS("#move-to"), "f:"+ids["Steuer"]),
		chromedp.Click(chromedp.CSS("form.letter-move button")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "verschoben") {
		t.Errorf("after the move the page says %q", n)
	}
	do(t, ctx, dropNotice(), chromedp.SetValue(chromedp.CSS("#copy-to"), "f:"+ids["Archiv"]),
		chromedp.Click(chromedp.CSS("form.letter-copy button")),
		chromedp.WaitVisible(chromedp.CSS(".notice")))
	if n := text(t, ctx, ".notice"); !strings.Contains(n, "Kopie") {
		t.Errorf("after the copy the page says %q", n)
	}
	if at := where(ctx); strings.HasSuffix(at, "/letter/"+letter+"?done=copied") || !strings.Contains(at, "done=copied") {
		t.Errorf("after the copy at %s, want the new copy's page", at)
	}

	do(t, ctx, chromedp.Navigate(e.URL+"/folders"), chromedp.WaitVisible(chromedp.CSS("table.folders")))
	counts := get(t, ctx, chromedp.Evaluate[[]string](`Array.from(
		document.querySelectorAll("table.folders tbody tr td:nth-child(2)")).map(td => td.textContent)`))
	if strings.Join(counts, ",") != "1,1" {
		t.Errorf("letters per folder: %v", counts)
	}
	checkA11y(t, ctx, "folders")
	screenshot(t, ctx, "folders")
	do(t, ctx, chromedp.Navigate(e.URL+"/mail/f/"+ids["Steuer"]), chromedp.WaitVisible(chromedp.CSS("table.mail-list")))
	if got := text(t, ctx, "table.mail-list"); !strings.Contains(got, "Grundsteuerbescheid 2027") {
		t.Errorf("the folder lists %q", got)
	}
	checkA11y(t, ctx, "a folder")
	do(t, ctx, chromedp.Navigate(e.URL+"/mail/inbox"), chromedp.WaitVisible(chromedp.CSS("main")))
	if got := text(t, ctx, "main"); strings.Contains(got, "Grundsteuerbescheid") {
		t.Errorf("the inbox still lists the letter moved: %q", got)
	}
}

// dropNotice takes the page's notices away, so that waiting for one after
// a form's submission waits for the next page, not the one submitted.
func dropNotice() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.querySelectorAll(".notice").forEach(n => n.remove())`)
}
