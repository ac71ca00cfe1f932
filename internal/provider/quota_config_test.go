package provider

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestConfigMailboxQuota: limits.mailbox_quota_mib is at least 100 (SPEC:
// a mailbox holds at least 100 MiB); a config written before the key
// existed loads with that default.
func TestConfigMailboxQuota(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := Init(t.Context(), InitOptions{Dir: dir, Domain: "a.siegel.test", Name: "A", Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, ConfigFile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	line := regexp.MustCompile(`(?m)^mailbox_quota_mib = \d+\n`)
	if !line.Match(b) {
		t.Fatalf("siegel init wrote no mailbox_quota_mib:\n%s", b)
	}
	for _, c := range []struct {
		value string // "" drops the key, as in a config of an earlier release
		want  int
		err   string
	}{
		{"", 100, ""},
		{"2048", 2048, ""},
		{"100", 100, ""},
		{"99", 0, "limits.mailbox_quota_mib: must be 100 to"},
		{"0", 0, "limits.mailbox_quota_mib"},
	} {
		repl := ""
		if c.value != "" {
			repl = "mailbox_quota_mib = " + c.value + "\n"
		}
		if err := os.WriteFile(p, line.ReplaceAll(b, []byte(repl)), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := LoadConfig(dir)
		switch {
		case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
			t.Errorf("mailbox_quota_mib = %q: %v, want an error with %q", c.value, err, c.err)
		case c.err == "" && err != nil:
			t.Errorf("mailbox_quota_mib = %q: %v", c.value, err)
		case c.err == "" && got.Limits.MailboxQuotaMiB != c.want:
			t.Errorf("mailbox_quota_mib = %q: loaded %d, want %d", c.value, got.Limits.MailboxQuotaMiB, c.want)
		}
	}
}
