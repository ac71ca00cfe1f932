package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLIForwarding: siegel forwarding shows, sets and ends the automatic
// forwarding (TR PVD-FU §3.1.3.2): set needs a session at high, refuses
// the holder's own address and an unknown one naming the rule, and the
// setting shows as text and as JSON; off ends it at normal. A letter sent
// to the holder then reaches the forwarding address.
func TestCLIForwarding(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Weiter"), true)
	ben := e.Open(pt.PersonApp("Ben", "Weiter"), false)
	normal, high := c.login(e, anna, false), c.login(e, anna, true)

	if out := c.ok("", "forwarding", "--session", normal); !strings.Contains(out, "No automatic forwarding") {
		t.Errorf("none: %q", out)
	}
	c.fails("login_level", "", "forwarding", "set", ben.Address, "--session", normal)
	c.fails("own_address", "", "forwarding", "set", anna.Address, "--session", high)
	c.fails("unknown_recipient", "", "forwarding", "set", "niemand@"+pt.Domain, "--session", high)
	c.fails("usage", "", "forwarding", "set", "--session", high)
	c.fails("usage", "", "forwarding", "off", "extra", "--session", high)

	out := c.ok("", "forwarding", "set", strings.ToUpper(ben.Address), "--exclude-personal", "--session", high)
	if !strings.Contains(out, "forwarded to "+ben.Address) || !strings.Contains(out, "Personal letters are not forwarded") {
		t.Errorf("set: %q", out)
	}
	var f api.Forwarding
	if err := json.Unmarshal([]byte(c.ok("", "forwarding", "--json", "--session", normal)), &f); err != nil {
		t.Fatal(err)
	}
	if !f.Enabled || f.Target != ben.Address || !f.ExcludePersonal {
		t.Fatalf("forwarding --json: %+v", f)
	}
	if _, err := anna.C.Send(t.Context(), &api.SendRequest{To: []string{anna.Address}, Subject: "An mich selbst", Text: "…"}); err != nil {
		t.Fatal(err)
	}
	for range 5 {
		if _, err := e.P.RunQueues(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if l, err := ben.C.List(t.Context(), "inbox", 10, ""); err != nil || len(l.Letters) != 1 || l.Letters[0].Subject != "Fwd: An mich selbst" {
		t.Fatalf("the forwarding address's inbox: %v %+v", err, l)
	}

	if out := c.ok("", "forwarding", "off", "--session", normal); !strings.Contains(out, "off") {
		t.Errorf("off: %q", out)
	}
	if out := c.ok("", "forwarding", "--session", normal); !strings.Contains(out, "No automatic forwarding") {
		t.Errorf("after off: %q", out)
	}
}

// TestCLICloseWithForwardingOrder: siegel account close --forward-to makes
// a forwarding order (TR PVD-FU §3.1.3.3), checked as the API checks it;
// the closed account's letters then reach the order's address.
func TestCLICloseWithForwardingOrder(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Umzug"), false)
	ben := e.Open(pt.PersonApp("Ben", "Neu"), false)
	sam := e.Open(pt.PersonApp("Sam", "Sender"), false)
	o1 := filepath.Join(t.TempDir(), "o1.token")
	c.ok("", "officer", "add", "--server", e.URL, "--token-file", filepath.Join(e.Dir, "keys", "operator.token"),
		"--name", "Olga Eins", "--out", o1)
	if _, err := os.Stat(o1); err != nil {
		t.Fatal(err)
	}
	c.fails("forward_to", "", "account", "close", anna.ID, "--server", e.URL, "--token-file", o1, "--reason", "Umzug",
		"--forward-to", "niemand@"+pt.Domain)
	out := c.ok("", "account", "close", anna.ID, "--server", e.URL, "--token-file", o1, "--reason", "Umzug",
		"--forward-to", ben.Address)
	if !strings.Contains(out, "closed") || !strings.Contains(out, "go to "+ben.Address) {
		t.Errorf("close: %q", out)
	}
	if _, err := sam.C.Send(t.Context(), &api.SendRequest{To: []string{anna.Address}, Subject: "Nachsendung", Text: "…"}); err != nil {
		t.Fatal(err)
	}
	if l, err := ben.C.List(t.Context(), "inbox", 10, ""); err != nil || len(l.Letters) != 1 || l.Letters[0].Subject != "Nachsendung" {
		t.Fatalf("the order's inbox: %v %+v", err, l)
	}
}
