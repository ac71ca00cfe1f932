package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLICopy: siegel copy files a second copy of a letter in a folder
// named by its name (TR PVD-FU §3.1.3.7); the letter stays in the inbox,
// the copy is listed in the folder and names its origin in --json; a
// second copy into the same folder and a system folder are refused.
func TestCLICopy(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Kopierer"), false)
	ben := e.Open(pt.PersonApp("Ben", "Kopierer"), false)
	if _, err := anna.C.Send(t.Context(), &api.SendRequest{To: []string{ben.Address}, Subject: "Mietvertrag", Text: "x"}); err != nil {
		t.Fatal(err)
	}
	sess := filepath.Join(t.TempDir(), "ben.json")
	c.ok(ben.Password+"\n", "login", "--server", e.URL, "--address", ben.Address, "--password-file", "-", "--session", sess)
	var page api.LetterList
	if err := json.Unmarshal([]byte(c.ok("", "inbox", "--json", "--session", sess)), &page); err != nil || len(page.Letters) != 1 {
		t.Fatalf("inbox: %v %+v", err, page)
	}
	id := page.Letters[0].ID
	c.ok("", "folders", "create", "Wohnung", "--session", sess)
	if out := c.ok("", "copy", id, "Wohnung", "--session", sess); !strings.Contains(out, "copied to f:") {
		t.Errorf("copy: %q", out)
	}
	if out := c.ok("", "inbox", "--session", sess); !strings.Contains(out, "Mietvertrag") {
		t.Errorf("the inbox lost the letter copied:\n%s", out)
	}
	if out := c.ok("", "inbox", "--folder", "Wohnung", "--session", sess); !strings.Contains(out, "Mietvertrag") {
		t.Errorf("the folder lists no copy:\n%s", out)
	}
	c.ok("", "folders", "create", "Archiv", "--session", sess)
	var cp api.LetterSummary
	if err := json.Unmarshal([]byte(c.ok("", "copy", id, "Archiv", "--json", "--session", sess)), &cp); err != nil || cp.CopyOf != id {
		t.Errorf("copy --json: %v %+v", err, cp)
	}
	c.fails("holds this letter already", "", "copy", id, "Wohnung", "--session", sess)
	c.fails("into one of your folders", "", "copy", id, "sent", "--session", sess)
	c.fails("usage", "", "copy", id, "--session", sess)
}
