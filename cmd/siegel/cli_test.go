package main

import (
	"bytes"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// cli runs verbs in-process as a user would from a shell: its own config folder
// (which trusts the test provider's certificate), standard input and output.
type cli struct {
	t   *testing.T
	cfg string
}

func newCLI(t *testing.T, e *pt.Env) *cli {
	cfg := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cfg, "trust"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg, "trust", "test.pem"), e.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	return &cli{t: t, cfg: cfg}
}

// run runs one command line and returns exit code, stdout and stderr.
func (c *cli) run(stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	var out, errb bytes.Buffer
	e := &env{stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "SIEGEL_CONFIG_DIR" {
			return c.cfg
		}
		return ""
	}}
	code := run(c.t.Context(), e, args)
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed.
func (c *cli) ok(stdin string, args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(stdin, args...)
	if code != 0 {
		c.t.Fatalf("siegel %s: exit %d: %s", strings.Join(args, " "), code, errs)
	}
	return out
}

// fails runs a command that must fail with exit 1 and a message containing want.
func (c *cli) fails(want string, stdin string, args ...string) {
	c.t.Helper()
	code, _, errs := c.run(stdin, args...)
	if code != 1 || !strings.Contains(errs, want) {
		c.t.Fatalf("siegel %s: want exit 1 with %q, got %d: %s", strings.Join(args, " "), want, code, errs)
	}
}

func TestCLIUserVerbs(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	c := newCLI(t, e)
	anna := e.Open(pt.PersonApp("Anna", "Kommandozeile"), true)
	ben := e.Open(pt.PersonApp("Ben", "Kommandozeile"), true)
	dir := t.TempDir()
	annaSess, benSess := filepath.Join(dir, "anna.json"), filepath.Join(dir, "ben.json")
	pwFile := filepath.Join(dir, "pw")
	os.WriteFile(pwFile, []byte(ben.Password+"\n"), 0o600)

	c.fails("bad_credentials", "wrong-password-x\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-", "--session", annaSess)
	c.fails("--address: required", "", "login", "--server", e.URL)
	out := c.ok(anna.Password+"\n", "login", "--server", e.URL, "--address", anna.Address, "--password-file", "-", "--session", annaSess)
	if !strings.Contains(out, "level normal") {
		t.Fatalf("login output %q", out)
	}
	c.ok("", "login", "--server", e.URL, "--address", ben.Address, "--password-file", pwFile, "--session", benSess)

	// Personal needs high: refused at normal with the field and rule named.
	c.fails("personal: ", "", "send", "--session", annaSess, "--to", ben.Address, "--subject", "s", "--text", "t", "--personal")
	c.fails("login_level", "", "send", "--session", annaSess, "--to", ben.Address, "--subject", "s", "--text", "t", "--personal")
	c.fails("not logged in", "", "inbox", "--session", filepath.Join(dir, "nobody.json"))

	textFile := filepath.Join(dir, "brief.txt")
	os.WriteFile(textFile, []byte("Sehr geehrter Herr Kommandozeile,\nanbei der Vertrag."), 0o600)
	att := filepath.Join(dir, "vertrag.pdf")
	os.WriteFile(att, []byte("%PDF-1.4 not really"), 0o600)
	out = c.ok("", "send", "--session", annaSess, "--to", ben.Address, "--subject", "Vertrag", "--text-file", textFile,
		"--attach", att, "--receipt-confirmation", "--dispatch-confirmation", "--private-id", "V-2027-1", "--json")
	var sent api.SendResponse
	if err := json.Unmarshal([]byte(out), &sent); err != nil || sent.ID == "" {
		t.Fatalf("send --json: %v %q", err, out)
	}

	out = c.ok("", "inbox", "--session", benSess, "--json")
	var list api.LetterList
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Letters) != 1 {
		t.Fatalf("inbox --json: %v %q", err, out)
	}
	id := list.Letters[0].ID
	if text := c.ok("", "inbox", "--session", benSess); !strings.Contains(text, "Vertrag") || !strings.Contains(text, id) {
		t.Fatalf("inbox table: %q", text)
	}
	saveDir := t.TempDir()
	out = c.ok("", "read", id, "--session", benSess, "--save-attachments", saveDir)
	for _, want := range []string{"Subject: Vertrag", "anbei der Vertrag.", "receipt confirmation", "file number V-2027-1", "vertrag.pdf"} {
		if !strings.Contains(out, want) {
			t.Errorf("read output lacks %q:\n%s", want, out)
		}
	}
	if b, err := os.ReadFile(filepath.Join(saveDir, "vertrag.pdf")); err != nil || string(b) != "%PDF-1.4 not really" {
		t.Fatalf("saved attachment: %v %q", err, b)
	}
	if raw := c.ok("", "read", "--raw", id, "--session", benSess); !strings.Contains(raw, "X-de-mail-confirmation-of-receipt: yes") {
		t.Fatalf("read --raw lacks the headers:\n%s", raw)
	}
	c.fails("not_found", "", "read", "0123", "--session", benSess)

	// Step up with a TOTP code, then a personal letter goes.
	e.Clock.Advance(30 * time.Second)
	code, _ := account.TOTPCode(anna.Secret, e.Clock.Now())
	if out := c.ok("", "step-up", "--session", annaSess, "--totp-code", code); !strings.Contains(out, "high") {
		t.Fatalf("step-up: %q", out)
	}
	c.ok("", "send", "--session", annaSess, "--to", ben.Address, "--subject", "persönlich", "--text", "t", "--personal")

	c.fails("retention", "", "delete", id, "--session", benSess)
	e.Clock.Advance(30 * time.Second)
	code, _ = account.TOTPCode(ben.Secret, e.Clock.Now())
	c.ok("", "login", "--server", e.URL, "--address", ben.Address, "--password-file", pwFile, "--totp-code", code, "--session", benSess)
	if out := c.ok("", "delete", id, "--session", benSess); !strings.Contains(out, "trash") {
		t.Fatalf("delete: %q", out)
	}
	stale := filepath.Join(dir, "stale.json")
	b, _ := os.ReadFile(benSess)
	os.WriteFile(stale, b, 0o600)
	c.ok("", "logout", "--session", benSess)
	c.fails("not logged in", "", "inbox", "--session", benSess)
	// A copy of a session that already ended logs out quietly and is removed.
	c.ok("", "logout", "--session", stale)
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale session file kept: %v", err)
	}
}

func TestCLIOfficerVerbs(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	c := newCLI(t, e)
	dir := t.TempDir()
	opFile := filepath.Join(e.Dir, "keys", "operator.token")
	o1, o2 := filepath.Join(dir, "o1.token"), filepath.Join(dir, "o2.token")
	c.ok("", "officer", "add", "--server", e.URL, "--token-file", opFile, "--name", "Olga Eins", "--out", o1)
	c.ok("", "officer", "add", "--server", e.URL, "--token-file", opFile, "--name", "Otto Zwei", "--out", o2)
	c.fails("operator_only", "", "officer", "add", "--server", e.URL, "--token-file", o1, "--name", "X")

	c.fails("malware_consent", "", "account", "open", "--server", e.URL, "--first-names", "Karl", "--surname", "Konsole",
		"--birth-date", "1970-01-01", "--birth-place", "Kiel", "--street", "Weg 1", "--postcode", "24103", "--town", "Kiel", "--acknowledge-info")
	out := c.ok("", "account", "open", "--server", e.URL, "--first-names", "Karl", "--surname", "Konsole",
		"--birth-date", "1970-01-01", "--birth-place", "Kiel", "--street", "Weg 1", "--postcode", "24103", "--town", "Kiel",
		"--acknowledge-info", "--consent-malware-scan", "--json")
	var app api.ApplicationResponse
	json.Unmarshal([]byte(out), &app)
	if app.Address != "karl.konsole@"+pt.Domain {
		t.Fatalf("account open: %q", out)
	}
	c.fails("verification.method", "", "account", "verify", app.ID, "--server", e.URL, "--token-file", o1, "--method", "palm_reading")
	if out := c.ok("", "account", "verify", app.ID, "--server", e.URL, "--token-file", o1, "--method", "passport", "--document-type", "Reisepass"); !strings.Contains(out, "second officer") {
		t.Fatalf("verify: %q", out)
	}
	c.fails("same_officer", "", "account", "confirm", app.ID, "--server", e.URL, "--token-file", o1)
	out = c.ok("", "account", "confirm", app.ID, "--server", e.URL, "--token-file", o2, "--json")
	var v api.VerifyResponse
	json.Unmarshal([]byte(out), &v)
	if v.InitialPassword == "" || v.Account.Status != "verified" {
		t.Fatalf("confirm: %q", out)
	}
	c.ok(v.InitialPassword+"\n", "login", "--server", e.URL, "--address", app.Address, "--password-file", "-")

	org := filepath.Join(dir, "org.json")
	b, _ := json.Marshal(pt.OrgApp("organisation", "Konsolen GmbH", false))
	os.WriteFile(org, b, 0o600)
	out = c.ok("", "account", "open", "--server", e.URL, "--from-file", org, "--json")
	var orgApp api.ApplicationResponse
	json.Unmarshal([]byte(out), &orgApp)
	c.ok("", "account", "verify", orgApp.ID, "--server", e.URL, "--token-file", o2, "--method", "qualified_signature")

	c.fails("reason", "", "account", "block", app.ID, "--server", e.URL, "--token-file", o1, "--block", "full")
	c.ok("", "account", "block", app.ID, "--server", e.URL, "--token-file", o1, "--block", "usage", "--reason", "Prüfung")
	c.ok("", "account", "unblock", app.ID, "--server", e.URL, "--token-file", o2, "--reason", "erledigt")
	if out := c.ok("", "account", "list", "--server", e.URL, "--token-file", o1, "--status", "active"); !strings.Contains(out, app.Address) {
		t.Fatalf("list: %q", out)
	}
	c.ok("", "account", "close", app.ID, "--server", e.URL, "--token-file", o1, "--reason", "Kündigung")
	out = c.ok("", "account", "show", app.ID, "--server", e.URL, "--token-file", o1)
	for _, want := range []string{"history (intact)", "identity_verified_manual", "identity_confirmed", "activated", "blocked", "unblocked", "closed"} {
		if !strings.Contains(out, want) {
			t.Errorf("show lacks %q:\n%s", want, out)
		}
	}
}

func TestCLIUsage(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	if code, out, _ := c.run("", "help"); code != 0 || !strings.Contains(out, "demo") {
		t.Fatalf("help: %d %q", code, out)
	}
	if code, _, errs := c.run("", "frobnicate"); code != 2 || !strings.Contains(errs, "unknown verb") {
		t.Fatalf("unknown verb: %d %q", code, errs)
	}
	c.fails("--dir, --domain and --name are required", "", "init", "--dir", t.TempDir())
	if code, out, _ := c.run("", "totp", "code", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"); code != 0 || len(strings.TrimSpace(out)) != 6 {
		t.Fatalf("totp code: %d %q", code, out)
	}
	c.fails("SECRET", "", "totp", "code", "not-base32!")
	c.fails("domain", "", "init", "--dir", t.TempDir(), "--domain", "not a domain", "--name", "X")
}

func TestServerURLOfWildcardListener(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		addr  net.TCPAddr
		plain bool
		want  string
	}{
		{net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}, false, "https://127.0.0.1:8443"},
		{net.TCPAddr{IP: net.IPv4zero, Port: 8443}, false, "https://127.0.0.1:8443"},
		{net.TCPAddr{IP: net.IPv6unspecified, Port: 8080}, true, "http://[::1]:8080"},
		{net.TCPAddr{IP: net.IPv6loopback, Port: 1}, false, "https://[::1]:1"},
	} {
		if got := serverURL(&c.addr, c.plain); got != c.want {
			t.Errorf("serverURL(%v) = %s, want %s", c.addr.String(), got, c.want)
		}
	}
}
