package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCopyLetterPage: a letter's page offers "file a copy in" the holder's
// other folders (TR PVD-FU §3.1.3.7); the copy opens as its own page, the
// letter stays in the inbox, and a second copy into the same folder is
// refused in words.
func TestCopyLetterPage(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Doppelt"), true)
	bert := e.Open(pt.PersonApp("Bert", "Doppelt"), true)
	mailSend(t, anna.High(), &api.SendRequest{To: []string{bert.Address}, Subject: "Mietvertrag", Text: "x"})
	letter := mailCopy(t, bert.C, "inbox", "Mietvertrag")
	f, err := bert.C.CreateFolder(t.Context(), "Wohnung")
	if err != nil {
		t.Fatal(err)
	}
	b := newMailBrowser(t, e)
	b.login(bert)

	p := b.get("/letter/" + letter)
	mailWant(t, p, http.StatusOK, `action="/letter/`+letter+`/copy"`, `<label for="copy-to">Kopie ablegen in</label>`,
		`<option value="`+f.Folder+`">Wohnung</option>`)
	p = b.post("/letter/"+letter+"/copy", url.Values{"folder": {f.Folder}})
	mailWant(t, p, http.StatusOK, "Eine Kopie des Briefs ist abgelegt", "Mietvertrag", `href="/mail/f/`+f.ID+`"`)
	copyID := strings.TrimPrefix(p.URL.Path, "/letter/")
	if copyID == letter || copyID == p.URL.Path {
		t.Fatalf("after the copy at %s", p.URL)
	}
	// In its folder the copy offers no second copy into it.
	mailLacks(t, p, `action="/letter/`+copyID+`/copy"`)
	mailWant(t, b.get("/mail/inbox"), http.StatusOK, "/letter/"+letter)
	mailWant(t, b.get("/mail/f/"+f.ID), http.StatusOK, "/letter/"+copyID)

	b.get("/letter/" + letter)
	p = b.post("/letter/"+letter+"/copy", url.Values{"folder": {f.Folder}})
	mailWant(t, p, http.StatusConflict, "In diesem Ordner liegt der Brief schon.")
	p = b.post("/letter/"+letter+"/copy", url.Values{"folder": {"sent"}})
	mailWant(t, p, http.StatusBadRequest, "Eine Kopie lässt sich nur in einem Ihrer Ordner ablegen.")
}
