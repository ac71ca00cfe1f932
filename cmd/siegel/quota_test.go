package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestCLIQuota: siegel quota shows the mailbox's usage (and --json the
// API's numbers); siegel inbox warns on stderr when less than 10 % is
// free, and the listing on stdout stays as it is; a full mailbox's letter
// is refused with the reason; an officer raises the quota with siegel
// account quota ADDRESS --mib N, and the holder can send again.
func TestCLIQuota(t *testing.T) {
	t.Parallel()
	e := pt.NewManual(t)
	c := newCLI(t, e)
	amt := e.Open(pt.OrgApp("authority", "Stadt Quotenhausen", false), false)
	erika := e.Open(pt.PersonApp("Erika", "Musterfrau"), false)
	dir := t.TempDir()
	sess := filepath.Join(dir, "amt.json")
	c.ok(amt.Password+"\n", "login", "--server", e.URL, "--address", amt.Address, "--password-file", "-", "--session", sess)

	out := c.ok("", "quota", "--session", sess)
	if !strings.HasPrefix(out, "mailbox: 0.0 MiB of 100.0 MiB used (0 %), 100.0 MiB free") {
		t.Fatalf("siegel quota of an empty mailbox: %q", out)
	}
	code, _, errs := c.run("", "inbox", "--session", sess)
	if code != 0 || errs != "" {
		t.Fatalf("inbox of an empty mailbox: exit %d, stderr %q", code, errs)
	}

	e.FillMailbox(amt.Address, account.MinQuota*93/100)
	code, list, errs := c.run("", "inbox", "--session", sess)
	if code != 0 || !strings.Contains(errs, "warning: your mailbox is nearly full (93.0 MiB of 100.0 MiB, 93 %)") ||
		!strings.Contains(list, "Archiv") || strings.Contains(list, "warning") {
		t.Fatalf("inbox of a nearly full mailbox: exit %d\nstdout %q\nstderr %q", code, list, errs)
	}
	out = c.ok("", "quota", "--session", sess, "--json")
	var q api.MailboxQuota
	if err := json.Unmarshal([]byte(out), &q); err != nil || !q.Warning || q.Full || q.PercentUsed != 93 ||
		q.QuotaBytes != account.MinQuota {
		t.Fatalf("quota --json: %v %q", err, out)
	}
	c.ok("", "send", "--session", sess, "--to", erika.Address, "--subject", "Bescheid", "--text", "noch geht es")

	e.FillMailbox(amt.Address, account.MinQuota*7/100)
	c.fails("mailbox_full", "", "send", "--session", sess, "--to", erika.Address, "--subject", "Bescheid", "--text", "t")
	c.fails("empty the trash", "", "send", "--session", sess, "--to", erika.Address, "--subject", "Bescheid", "--text", "t")
	if _, _, errs := c.run("", "inbox", "--session", sess); !strings.Contains(errs, "warning: your mailbox is full") {
		t.Errorf("inbox of a full mailbox: stderr %q", errs)
	}

	op := filepath.Join(e.Dir, "keys", "operator.token")
	c.fails("mib: a mailbox's quota must be 100 to", "", "account", "quota", amt.Address, "--server", e.URL, "--token-file", op, "--mib", "50")
	c.fails("--mib: required", "", "account", "quota", amt.Address, "--server", e.URL, "--token-file", op)
	out = c.ok("", "account", "quota", amt.Address, "--server", e.URL, "--token-file", op, "--mib", "2048")
	if want := amt.Address + ": quota 2048.0 MiB, "; !strings.HasPrefix(out, want) {
		t.Fatalf("account quota: %q, want %q…", out, want)
	}
	if out := c.ok("", "account", "show", amt.ID, "--server", e.URL, "--token-file", op); !strings.Contains(out, "of 2048.0 MiB used (4 %)") ||
		!strings.Contains(out, "quota_set") {
		t.Errorf("account show: %q", out)
	}
	c.ok("", "send", "--session", sess, "--to", erika.Address, "--subject", "Bescheid", "--text", "wieder möglich")
}
