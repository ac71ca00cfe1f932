package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLISearch: siegel search (TR PVD-FU §3.1.3.8) by words and by each
// filter, in a folder by its name, as a table and as JSON, on to the next
// page; a personal letter at normal shows nothing but its sender; a bad
// day is refused naming the flag's parameter.
func TestCLISearch(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	ctx := t.Context()
	city := e.Open(pt.OrgApp("authority", "Stadt Kommandohausen", true), true)
	ben := e.Open(pt.PersonApp("Ben", "Suchmann"), true)
	cityC := city.High()
	for _, r := range []*api.SendRequest{
		{To: []string{ben.Address}, Subject: "Grundsteuerbescheid", Text: "x", PrivateID: "AZ-77/26", ReceiptConfirmation: true},
		{To: []string{ben.Address}, Subject: "Müllgebühren", Text: "x"},
		{To: []string{ben.Address}, Subject: "Vertraulich", Text: "x", Personal: true},
	} {
		if _, err := cityC.Send(ctx, r); err != nil {
			t.Fatal(err)
		}
		e.Clock.Advance(time.Minute)
	}
	sess := filepath.Join(t.TempDir(), "ben.json")
	c.ok(ben.Password+"\n", "login", "--server", e.URL, "--address", ben.Address, "--password-file", "-", "--session", sess)
	if _, err := ben.C.CreateFolder(ctx, "Amt"); err != nil {
		t.Fatal(err)
	}

	out := c.ok("", "search", "grundsteuer", "--session", sess)
	if !strings.Contains(out, "Grundsteuerbescheid") || strings.Contains(out, "Müllgebühren") || !strings.Contains(out, "inbox") {
		t.Errorf("search by a word:\n%s", out)
	}
	if out := c.ok("", "search", "--subject", "MUELL", "--session", sess); !strings.Contains(out, "Müllgebühren") {
		t.Errorf("search --subject with the umlaut written out:\n%s", out)
	}
	if out := c.ok("", "search", "--file-number", "77", "--option", "receipt_confirmation", "--session", sess); !strings.Contains(out, "Grundsteuerbescheid") {
		t.Errorf("search --file-number --option:\n%s", out)
	}
	// The personal letter, at normal: found by its sender, showing nothing else.
	out = c.ok("", "search", "--from", city.Address, "--option", "personal", "--session", sess)
	if strings.Contains(out, "Vertraulich") || !strings.Contains(out, "(personal: log in at high to see it)") {
		t.Errorf("the personal letter at normal:\n%s", out)
	}
	if out := c.ok("", "search", "vertraulich", "--session", sess); !strings.Contains(out, "no letters found") {
		t.Errorf("the personal letter's subject at normal:\n%s", out)
	}
	// A folder by its name; then pages of one, as JSON.
	if out := c.ok("", "search", "--folder", "Amt", "--session", sess); !strings.Contains(out, "no letters found") {
		t.Errorf("an empty folder:\n%s", out)
	}
	var page api.LetterList
	if err := json.Unmarshal([]byte(c.ok("", "search", "--state", "unread", "--folder", "inbox", "--after", "2027-03-02",
		"--before", "2027-03-02", "--limit", "2", "--json", "--session", sess)), &page); err != nil || len(page.Letters) != 2 || page.Next == "" {
		t.Fatalf("first page: %v %+v", err, page)
	}
	var rest api.LetterList
	if err := json.Unmarshal([]byte(c.ok("", "search", "--state", "unread", "--folder", "inbox", "--limit", "2",
		"--cursor", page.Next, "--json", "--session", sess)), &rest); err != nil || len(rest.Letters) != 1 || rest.Next != "" ||
		rest.Letters[0].Subject != "Grundsteuerbescheid" {
		t.Fatalf("second page: %v %+v", err, rest)
	}
	c.fails("after must be a day", "", "search", "--after", "14.03.2026", "--session", sess)
	c.fails("before must be later than after", "", "search", "--after", "2026-03-14", "--before", "2026-03-01", "--session", sess)
	c.fails("option must be one of", "", "search", "--option", "eilig", "--session", sess)
	c.fails("no folder named", "", "search", "--folder", "Nirgends", "--session", sess)
}
