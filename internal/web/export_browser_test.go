package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
	"github.com/siegel-mail/siegel/internal/verification"
)

// TestBrowserExport: in Chromium, a holder clicks the settings' link to
// download the whole account, and the file the browser saves is the
// archive: under its offered name, and valid in one go.
func TestBrowserExport(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	city := e.Open(pt.OrgApp("authority", "Stadt Herunterladen", true), true)
	u := e.Open(pt.PersonApp("Erika", "Herunterladen"), false)
	mailSend(t, city.High(), &api.SendRequest{To: []string{u.Address}, Subject: "Bescheid", Text: "zum Mitnehmen", ReceiptConfirmation: true})
	if _, err := e.P.RunQueues(t.Context()); err != nil {
		t.Fatal(err)
	}
	ctx := newBrowser(t)
	dir := t.TempDir()
	type download struct{ guid, name string }
	begun := make(chan download, 1)
	done := make(chan browser.EventDownloadProgress, 1)
	if err := chromedp.ListenBrowser(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *browser.EventDownloadWillBegin:
			select { // the listener must not block
			case begun <- download{ev.GUID, ev.SuggestedFilename}:
			default:
			}
		case *browser.EventDownloadProgress:
			if ev.State != browser.DownloadProgressStateInProgress {
				select {
				case done <- *ev:
				default:
				}
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllowAndName, DownloadPath: dir, EventsEnabled: &events}); err != nil {
		t.Fatalf("Browser.setDownloadBehavior: %v", err)
	}
	do(t, ctx, chromedp.Navigate(e.URL+"/login?next=/settings"), chromedp.WaitVisible(chromedp.CSS("#address")),
		chromedp.SendKeys(chromedp.CSS("#address"), u.Address),
		chromedp.SendKeys(chromedp.CSS("#password"), u.Password),
		chromedp.Submit(chromedp.CSS("#password")),
		chromedp.WaitVisible(chromedp.CSS(`#export a[href="/export/account"]`)),
		chromedp.Click(chromedp.CSS(`#export a[href="/export/account"]`)))
	var d download
	select {
	case d = <-begun:
	case <-time.After(stepTimeout):
		t.Fatalf("no download began\n%s", where(ctx))
	}
	if !strings.HasPrefix(d.name, "siegel-"+u.Address) || !strings.HasSuffix(d.name, ".zip") {
		t.Errorf("offered as %q", d.name)
	}
	select {
	case p := <-done:
		if p.State != browser.DownloadProgressStateCompleted {
			t.Fatalf("download %s", p.State)
		}
	case <-time.After(stepTimeout):
		t.Fatal("the download did not finish")
	}
	file, err := os.ReadFile(filepath.Join(dir, d.guid))
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.ReadCertPEM(e.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	r := verification.CheckArchive(strings.NewReader(string(file)), int64(len(file)), verification.Anchors{Root: root})
	if !r.Valid || r.Letters != 2 || r.Evidence != 1 {
		t.Errorf("the downloaded archive: %s %s: %d letters, %d evidence", r.FailedCheck, r.Reason, r.Letters, r.Evidence)
	}
}
