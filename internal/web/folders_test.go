package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

var folderRow = regexp.MustCompile(`<tr id="f-([^"]+)">`)

// TestFoldersPages: the holder's own folders over HTTP (TR PVD-FU
// §3.1.3.7): make one (a bad name refused next to its field), move a
// letter into it from the letter's page, a personal one at normal too,
// list and search it, export it, rename it, refuse to delete it while it
// holds letters, delete a letter from it and restore it there, take the
// letters back and delete it; the trash is no target, and another
// holder's folder is not found.
func TestFoldersPages(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	anna := e.Open(pt.PersonApp("Anna", "Sortiert"), true)
	bert := e.Open(pt.PersonApp("Bert", "Sortiert"), true)
	annaHigh := anna.High()
	mailSend(t, annaHigh, &api.SendRequest{To: []string{bert.Address}, Subject: "Steuerbescheid", Text: "x"})
	mailSend(t, annaHigh, &api.SendRequest{To: []string{bert.Address}, Subject: "Geheim", Text: "y", Personal: true})
	plain := mailCopy(t, bert.C, "inbox", "Steuerbescheid")
	personal := mailCopy(t, bert.C, "inbox", anna.Address)
	b := newMailBrowser(t, e)
	b.login(bert)

	p := b.get("/folders")
	mailWant(t, p, http.StatusOK, "Sie haben noch keine eigenen Ordner.", `href="/folders" aria-current="page"`)
	// A letter's page offers no move without a folder to move to.
	mailLacks(t, b.get("/letter/"+plain), "/move")
	b.get("/folders")
	mailWant(t, b.post("/folders", url.Values{"name": {"  "}}), http.StatusBadRequest, `id="name-error"`, "Geben Sie dem Ordner einen Namen.")
	mailWant(t, b.post("/folders", url.Values{"name": {"Trash"}}), http.StatusBadRequest, "So heißt schon ein Ordner")
	p = b.post("/folders", url.Values{"name": {"Steuer"}})
	mailWant(t, p, http.StatusOK, "Der Ordner ist angelegt.", ">Steuer</a>")
	mailWant(t, b.post("/folders", url.Values{"name": {"Steuer"}}), http.StatusConflict, `id="name-error"`, "schon einen Ordner dieses Namens")
	m := folderRow.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no folder row:\n%s", p.Body)
	}
	id := m[1]
	folder := "/mail/f/" + id

	// Move from the letter's page; the page then offers the way back.
	p = b.get("/letter/" + plain)
	mailWant(t, p, http.StatusOK, `action="/letter/`+plain+`/move"`, `<option value="f:`+id+`">Steuer</option>`)
	mailLacks(t, p, `<option value="inbox">`)
	p = b.post("/letter/"+plain+"/move", url.Values{"folder": {"f:" + id}})
	mailWant(t, p, http.StatusOK, "Der Brief ist verschoben.", `href="`+folder+`"`, `<option value="inbox">Posteingang</option>`)
	if p.URL.Path != "/letter/"+plain {
		t.Errorf("after the move at %s", p.URL)
	}
	// A personal letter moves at normal, its content still hidden.
	p = b.get("/letter/" + personal)
	mailWant(t, p, http.StatusForbidden, `action="/letter/`+personal+`/move"`)
	p = b.post("/letter/"+personal+"/move", url.Values{"folder": {"f:" + id}})
	mailWant(t, p, http.StatusForbidden, "Der Brief ist verschoben.")
	mailLacks(t, p, "Geheim")
	// The trash is reached by deleting only.
	p = b.post("/letter/"+plain+"/move", url.Values{"folder": {"trash"}})
	mailWant(t, p, http.StatusBadRequest, "Dorthin lässt sich dieser Brief nicht verschieben.")

	p = b.get(folder)
	mailWant(t, p, http.StatusOK, "<h1>Steuer</h1>", "Steuerbescheid", "Diesen Ordner verwalten", "Nur ein leerer Ordner",
		`href="/folders" aria-current="page"`, `href="/export/folder/f:`+id+`"`)
	mailLacks(t, p, "Geheim")
	mailLacks(t, b.get("/mail/inbox"), "Steuerbescheid")
	mailWant(t, b.get(folder+"?q=steuer"), http.StatusOK, "Steuerbescheid")
	mailWant(t, b.get("/folders"), http.StatusOK, `<td data-label="Briefe">2</td>`)
	if p := b.get("/export/folder/f:" + id); p.Status != http.StatusOK || !strings.Contains(p.Body, "Subject: Steuerbescheid") ||
		!strings.HasPrefix(p.Header.Get("Content-Type"), "application/mbox") {
		t.Errorf("folder export: %d %s", p.Status, p.Header.Get("Content-Type"))
	}

	// Rename; delete only when empty.
	b.get(folder)
	mailWant(t, b.post("/folders/"+id+"/rename", url.Values{"name": {""}}), http.StatusBadRequest, `id="folder-name-error"`)
	p = b.post("/folders/"+id+"/rename", url.Values{"name": {"Finanzamt"}})
	mailWant(t, p, http.StatusOK, "Der Ordner ist umbenannt.", "<h1>Finanzamt</h1>")
	mailWant(t, b.post("/folders/"+id+"/delete", url.Values{}), http.StatusConflict, "Der Ordner enthält noch Briefe")

	// Deleted from the folder, restored into it.
	b.get("/letter/" + plain)
	p = b.post("/letter/"+plain+"/delete", url.Values{})
	mailWant(t, p, http.StatusOK, "Der Brief liegt jetzt im Papierkorb.")
	if p.URL.Path != folder {
		t.Errorf("after the delete at %s", p.URL)
	}
	mailWant(t, b.post("/letter/"+plain+"/restore", url.Values{}), http.StatusOK, "Der Brief ist wiederhergestellt.")
	mailWant(t, b.get(folder), http.StatusOK, "Steuerbescheid")

	// Another holder's browser: the folder does not exist.
	ab := newMailBrowser(t, e)
	ab.login(anna)
	mailWant(t, ab.get(folder), http.StatusNotFound)
	ab.get("/folders")
	mailWant(t, ab.post("/folders/"+id+"/delete", url.Values{}), http.StatusNotFound)
	mailWant(t, ab.get("/export/folder/f:"+id), http.StatusNotFound)

	// Both back to the inbox, then the folder goes.
	for _, l := range []string{plain, personal} {
		b.get("/letter/" + l)
		b.post("/letter/"+l+"/move", url.Values{"folder": {"inbox"}})
	}
	mailWant(t, b.get("/mail/inbox"), http.StatusOK, "Steuerbescheid")
	b.get(folder)
	p = b.post("/folders/"+id+"/delete", url.Values{})
	mailWant(t, p, http.StatusOK, "Der Ordner ist gelöscht.", "Sie haben noch keine eigenen Ordner.")
	mailWant(t, b.get(folder), http.StatusNotFound)
}
