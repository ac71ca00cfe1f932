package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// login saves a session of u for the CLI, at high when high is set.
func (c *cli) login(e *pt.Env, u *pt.User, high bool) string {
	c.t.Helper()
	sess := filepath.Join(c.t.TempDir(), "session.json")
	args := []string{"login", "--server", e.URL, "--address", u.Address, "--password-file", "-", "--session", sess}
	if high {
		args = append(args, "--totp-code", e.Code(u.Secret))
	}
	c.ok(u.Password+"\n", args...)
	return sess
}

// firstID is the id of the first letter of a folder whose subject is subject.
func (c *cli) firstID(sess, folder, subject string) string {
	c.t.Helper()
	var l api.LetterList
	if err := json.Unmarshal([]byte(c.ok("", "inbox", "--folder", folder, "--session", sess, "--json")), &l); err != nil {
		c.t.Fatal(err)
	}
	for _, s := range l.Letters {
		if s.Subject == subject {
			return s.ID
		}
	}
	c.t.Fatalf("no %q in %s: %+v", subject, folder, l.Letters)
	return ""
}

// TestCLIReplyForward: siegel reply threads and keeps the file number, siegel
// forward quotes and carries the attachments (TR PVD-FU §3.1.3.6).
func TestCLIReplyForward(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Antwortzeile"), true)
	ben := e.Open(pt.PersonApp("Ben", "Antwortzeile"), true)
	carl := e.Open(pt.PersonApp("Carl", "Antwortzeile"), true)
	annaSess, benSess, carlSess := c.login(e, anna, false), c.login(e, ben, false), c.login(e, carl, false)
	att := filepath.Join(t.TempDir(), "plan.txt")
	os.WriteFile(att, []byte("Plan"), 0o600)
	c.ok("", "send", "--session", annaSess, "--to", ben.Address, "--subject", "Antrag", "--text", "Bitte prüfen.",
		"--attach", att, "--private-id", "A-7")
	id := c.firstID(benSess, "inbox", "Antrag")

	c.fails("usage: siegel reply ID", "", "reply", "--session", benSess, "--text", "x")
	c.fails("not_found", "", "reply", "0123", "--session", benSess, "--text", "x")
	c.ok("", "reply", id, "--session", benSess, "--text", "Geprüft.")
	out := c.ok("", "read", c.firstID(annaSess, "inbox", "Re: Antrag"), "--session", annaSess, "--json")
	var l api.Letter
	if err := json.Unmarshal([]byte(out), &l); err != nil {
		t.Fatal(err)
	}
	if l.Text != "Geprüft." || l.Options.PrivateID != "A-7" || l.InReplyTo == "" || len(l.References) != 1 {
		t.Fatalf("reply: %+v", l)
	}

	if out := c.ok("", "read", l.ID, "--session", annaSess); !strings.Contains(out, "In reply to: <"+l.InReplyTo+">") {
		t.Errorf("read lacks the thread:\n%s", out)
	}
	c.fails("--to: required", "", "forward", id, "--session", benSess)
	c.ok("", "forward", id, "--session", benSess, "--to", carl.Address, "--text", "Zur Kenntnis.")
	fw := c.firstID(carlSess, "inbox", "Fwd: Antrag")
	out = c.ok("", "read", fw, "--session", carlSess)
	for _, want := range []string{"Zur Kenntnis.", "> Bitte prüfen.", "File number: A-7", "plan.txt"} {
		if !strings.Contains(out, want) {
			t.Errorf("forward lacks %q:\n%s", want, out)
		}
	}

	// A personal letter is answered and forwarded only at high.
	c.ok("", "send", "--session", c.login(e, anna, true), "--to", ben.Address, "--subject", "Persönlich", "--text", "p", "--personal")
	var list api.LetterList
	json.Unmarshal([]byte(c.ok("", "inbox", "--session", benSess, "--json")), &list)
	personal := list.Letters[0].ID
	c.fails("login_level", "", "reply", personal, "--session", benSess, "--text", "x")
	c.fails("login_level", "", "forward", personal, "--session", benSess, "--to", carl.Address)
	c.ok("", "forward", personal, "--session", c.login(e, ben, true), "--to", carl.Address, "--personal")
}

// TestCLIDeleteRestore: two stages, restore, and the guards of TR PVD-FU
// §3.1.3.9 through the CLI: a personal letter only at high, a letter with
// receipt confirmation not at normal within 90 days.
func TestCLIDeleteRestore(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Papierkorb"), true)
	ben := e.Open(pt.PersonApp("Ben", "Papierkorb"), true)
	annaHigh := c.login(e, anna, true)
	benSess := c.login(e, ben, false)
	c.ok("", "send", "--session", annaHigh, "--to", ben.Address, "--subject", "schlicht", "--text", "x")
	c.ok("", "send", "--session", annaHigh, "--to", ben.Address, "--subject", "Eingang", "--text", "x", "--receipt-confirmation")
	c.ok("", "send", "--session", annaHigh, "--to", ben.Address, "--subject", "geheim", "--text", "x", "--personal")
	plain, receipt := c.firstID(benSess, "inbox", "schlicht"), c.firstID(benSess, "inbox", "Eingang")

	c.fails("usage: siegel restore ID", "", "restore", "--session", benSess)
	c.fails("not_in_trash", "", "restore", plain, "--session", benSess)
	if out := c.ok("", "delete", plain, "--session", benSess); !strings.Contains(out, "moved to the trash") {
		t.Fatalf("delete: %q", out)
	}
	if out := c.ok("", "inbox", "--folder", "trash", "--session", benSess); !strings.Contains(out, plain) {
		t.Fatalf("trash: %q", out)
	}
	if out := c.ok("", "restore", plain, "--session", benSess); !strings.Contains(out, "restored to inbox") {
		t.Fatalf("restore: %q", out)
	}
	c.ok("", "delete", plain, "--session", benSess)
	if out := c.ok("", "delete", plain, "--session", benSess); !strings.Contains(out, "deleted for good") {
		t.Fatalf("second delete: %q", out)
	}
	c.fails("not_found", "", "restore", plain, "--session", benSess)

	// The personal letter, hidden at normal, is deleted only at high.
	var list api.LetterList
	json.Unmarshal([]byte(c.ok("", "inbox", "--session", benSess, "--json")), &list)
	var personal string
	for _, l := range list.Letters {
		if l.Personal {
			personal = l.ID
		}
	}
	c.fails("login_level", "", "delete", personal, "--session", benSess)
	// The receipt-confirmed letter: not at normal within 90 days, at high now.
	c.fails("retention", "", "delete", receipt, "--session", benSess)
	benHigh := c.login(e, ben, true)
	c.ok("", "delete", personal, "--session", benHigh)
	c.ok("", "delete", receipt, "--session", benHigh)
	c.ok("", "restore", receipt, "--session", benHigh)
	// After 90 days also at normal.
	e.Clock.Advance(91 * 24 * time.Hour)
	c.ok("", "delete", receipt, "--session", c.login(e, ben, false))
}

// TestCLIEndToEnd: siegel read says how a letter received from another
// provider is protected end to end, and read --raw gives its bytes as they
// came, whose integrity siegel verify checks (TR PVD-FU §3.2.2).
func TestCLIEndToEnd(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	c := newCLI(t, e)
	erika := e.Open(pt.PersonApp("Erika", "Zeilenende"), false)
	msg, err := pt.EndToEndLetter(letter.OpenPGPSigned, "amt@andere.siegel.test", erika.Address, "andere.siegel.test", "signiert", e.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(msg, []byte("\r\n\r\n")) + 4
	p, err := letter.Parse(msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.P.Mail.Receive(t.Context(), &mailbox.Inbound{Header: msg[:i], Body: msg[i:], Letter: p,
		BodyHash: sha256.Sum256(msg[i:]), Recipient: erika.Address}); err != nil {
		t.Fatal(err)
	}
	sess := c.login(e, erika, false)
	id := c.firstID(sess, "inbox", "signiert")
	if out := c.ok("", "read", id, "--session", sess); !strings.Contains(out, "End to end: openpgp-signed") {
		t.Errorf("read:\n%s", out)
	}
	raw := c.ok("", "read", "--raw", id, "--session", sess)
	if raw != string(msg) {
		t.Fatalf("read --raw differs from what came")
	}
	file := filepath.Join(t.TempDir(), "brief.eml")
	os.WriteFile(file, []byte(raw), 0o600)
	if out := c.ok("", "verify", file, "--root", e.RootCert); !strings.Contains(out, "VALID") {
		t.Errorf("verify: %s", out)
	}
}
