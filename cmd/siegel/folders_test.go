package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLIFolders: siegel folders and siegel move (TR PVD-FU §3.1.3.7):
// make a folder, file a letter in it by the folder's name, list it, rename
// the folder, refuse to delete it while it holds a letter, take the letter
// back and delete the folder; the system folders are refused, and another
// holder's folder is none of theirs.
func TestCLIFolders(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Ordner"), false)
	ben := e.Open(pt.PersonApp("Ben", "Ordner"), false)
	sent, err := anna.C.Send(t.Context(), &api.SendRequest{To: []string{ben.Address}, Subject: "Kontoauszug", Text: "x"})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	annaSess, benSess := filepath.Join(dir, "anna.json"), filepath.Join(dir, "ben.json")
	c.ok(anna.Password+"\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-", "--session", annaSess)
	c.ok(ben.Password+"\n", "login", "--server", e.URL, "--address", ben.Address, "--password-file", "-", "--session", benSess)
	var page api.LetterList
	if err := json.Unmarshal([]byte(c.ok("", "inbox", "--json", "--session", benSess)), &page); err != nil || len(page.Letters) != 1 {
		t.Fatalf("inbox: %v %+v", err, page)
	}
	id := page.Letters[0].ID

	if out := c.ok("", "folders", "list", "--session", benSess); !strings.Contains(out, "no folders") {
		t.Errorf("no folders yet: %q", out)
	}
	if out := c.ok("", "folders", "create", "Bank", "--session", benSess); !strings.Contains(out, `created folder "Bank"`) {
		t.Errorf("create: %q", out)
	}
	var folders []api.Folder
	if err := json.Unmarshal([]byte(c.ok("", "folders", "list", "--json", "--session", benSess)), &folders); err != nil ||
		len(folders) != 1 || folders[0].Name != "Bank" {
		t.Fatalf("list --json: %v %+v", err, folders)
	}
	bank := folders[0]
	if out := c.ok("", "move", id, "Bank", "--session", benSess); !strings.Contains(out, "moved to "+bank.Folder) {
		t.Errorf("move by name: %q", out)
	}
	if out := c.ok("", "inbox", "--folder", "Bank", "--session", benSess); !strings.Contains(out, "Kontoauszug") {
		t.Errorf("inbox --folder Bank:\n%s", out)
	}
	if out := c.ok("", "inbox", "--session", benSess); strings.Contains(out, "Kontoauszug") {
		t.Errorf("the inbox still lists the letter moved:\n%s", out)
	}
	out := c.ok("", "folders", "list", "--session", benSess)
	if !strings.Contains(out, "LETTERS") || !strings.Contains(out, bank.ID) || !strings.Contains(out, "1") {
		t.Errorf("list:\n%s", out)
	}
	c.ok("", "folders", "rename", bank.ID, "Bank und Kasse", "--session", benSess)
	if out := c.ok("", "inbox", "--folder", bank.Folder, "--session", benSess); !strings.Contains(out, "Kontoauszug") {
		t.Errorf("inbox --folder f:ID after rename:\n%s", out)
	}

	c.fails("holds 1 letters", "", "folders", "delete", bank.ID, "--session", benSess)
	c.fails("trash", "", "move", id, "trash", "--session", benSess)
	c.fails("back to inbox", "", "move", id, "sent", "--session", benSess)
	c.fails("no folder named", "", "move", id, "Bank", "--session", benSess)
	c.fails("already", "", "folders", "create", "Bank und Kasse", "--session", benSess)
	c.fails("system folder", "", "folders", "create", "Inbox", "--session", benSess)
	c.fails("usage", "", "folders", "rename", bank.ID, "--session", benSess)
	c.fails("usage", "", "folders", "frob")
	c.fails("usage", "", "move", id, "--session", benSess)
	// Another holder's folder and letter are none of Anna's.
	c.fails("no folder", "", "folders", "delete", bank.ID, "--session", annaSess)
	c.fails("no folder", "", "move", sent.ID, bank.Folder, "--session", annaSess)
	c.fails("no letter", "", "move", id, "inbox", "--session", annaSess)

	if out := c.ok("", "move", id, "inbox", "--session", benSess); !strings.Contains(out, "moved to inbox") {
		t.Errorf("move back: %q", out)
	}
	if out := c.ok("", "folders", "delete", bank.ID, "--session", benSess); !strings.Contains(out, "deleted folder") {
		t.Errorf("delete: %q", out)
	}
	if out := c.ok("", "folders", "list", "--session", benSess); !strings.Contains(out, "no folders") {
		t.Errorf("after delete: %q", out)
	}
}
