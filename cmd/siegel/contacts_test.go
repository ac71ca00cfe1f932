package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLIContacts: siegel contacts keeps the address book (TR PVD-FU
// §3.1.3.5): add, list (a table and JSON), edit one field keeping the
// others, remove; bad input is refused naming the field, and another
// holder's contact is none of theirs.
func TestCLIContacts(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Kartei"), false)
	ben := e.Open(pt.PersonApp("Ben", "Kartei"), false)
	dir := t.TempDir()
	annaSess, benSess := filepath.Join(dir, "anna.json"), filepath.Join(dir, "ben.json")
	c.ok(anna.Password+"\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-", "--session", annaSess)
	c.ok(ben.Password+"\n", "login", "--server", e.URL, "--address", ben.Address, "--password-file", "-", "--session", benSess)

	if out := c.ok("", "contacts", "list", "--session", annaSess); !strings.Contains(out, "empty") {
		t.Errorf("an empty book: %q", out)
	}
	if out := c.ok("", "contacts", "add", "--address", ben.Address, "--name", "Ben Kartei", "--note", "Nachbar",
		"--session", annaSess); !strings.Contains(out, "added "+ben.Address) {
		t.Errorf("add: %q", out)
	}
	c.ok("", "contacts", "add", "--address", "Amt@Behoerde.Test", "--session", annaSess)
	var list []api.Contact
	if err := json.Unmarshal([]byte(c.ok("", "contacts", "list", "--json", "--session", annaSess)), &list); err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Address != "amt@behoerde.test" || list[1].Name != "Ben Kartei" || list[1].Note != "Nachbar" {
		t.Fatalf("list --json: %+v", list)
	}
	ben1 := list[1]
	out := c.ok("", "contacts", "list", "--session", annaSess)
	if !strings.Contains(out, "ADDRESS") || !strings.Contains(out, ben.Address) || !strings.Contains(out, "Ben Kartei") {
		t.Errorf("list:\n%s", out)
	}

	// Edit changes the name only; the note stays.
	if out := c.ok("", "contacts", "edit", ben1.ID, "--name", "Ben", "--session", annaSess); !strings.Contains(out, "changed") {
		t.Errorf("edit: %q", out)
	}
	got := contactOf(t, annaSess, c, ben1.ID)
	if got.Name != "Ben" || got.Note != "Nachbar" || got.Address != ben.Address {
		t.Fatalf("after edit --name: %+v", got)
	}
	c.ok("", "contacts", "edit", ben1.ID, "--note", "", "--session", annaSess)
	if got := contactOf(t, annaSess, c, ben1.ID); got.Note != "" || got.Name != "Ben" {
		t.Fatalf("after edit --note '': %+v", got)
	}

	c.fails("address", "", "contacts", "add", "--address", "kein adressat", "--session", annaSess)
	c.fails("already", "", "contacts", "add", "--address", ben.Address, "--session", annaSess)
	c.fails("name", "", "contacts", "add", "--address", "x@behoerde.test", "--name", strings.Repeat("x", 201), "--session", annaSess)
	c.fails("usage", "", "contacts", "add", "--session", annaSess)
	c.fails("usage", "", "contacts", "edit", ben1.ID, "--session", annaSess)
	c.fails("usage", "", "contacts", "frob")
	c.fails("no contact", "", "contacts", "remove", ben1.ID, "--session", benSess)
	c.fails("no contact", "", "contacts", "edit", ben1.ID, "--name", "x", "--session", benSess)

	if out := c.ok("", "contacts", "remove", ben1.ID, "--session", annaSess); !strings.Contains(out, "removed") {
		t.Errorf("remove: %q", out)
	}
	if out := c.ok("", "contacts", "list", "--session", annaSess); strings.Contains(out, ben.Address) {
		t.Errorf("after remove:\n%s", out)
	}
}

// contactOf reads one contact through the JSON listing.
func contactOf(t *testing.T, sess string, c *cli, id string) api.Contact {
	t.Helper()
	var list []api.Contact
	if err := json.Unmarshal([]byte(c.ok("", "contacts", "list", "--json", "--session", sess)), &list); err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.ID == id {
			return x
		}
	}
	t.Fatalf("no contact %s in %+v", id, list)
	return api.Contact{}
}
