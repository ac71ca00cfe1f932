package provider

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestInitAndLoadConfig(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := Init(t.Context(), InitOptions{Dir: dir, Domain: "a.siegel.test", Name: "A", Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	got, err := LoadConfig(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got.Domain != c.Domain || got.Limits.MaxMessageMiB != 20 || got.Login.MaxFailures != 3 || !got.Malware.ScanningOn() {
		t.Fatalf("loaded %+v", got)
	}
	for _, f := range []string{"keys/master.key", "keys/tls.key", "siegel.toml"} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Fatalf("%s: %v, mode %v: secrets must be private", f, err, st.Mode())
		}
	}
	if _, err := Init(t.Context(), InitOptions{Dir: dir, Domain: "a.siegel.test", Name: "A", Now: time.Now()}); err == nil || !strings.Contains(err.Error(), "not overwriting") {
		t.Fatalf("second init: %v", err)
	}
}

func TestConfigRefusesMistakes(t *testing.T) {
	t.Parallel()
	cases := []struct{ edit, want string }{
		{"frobnicate = true\n", "frobnicate"},
		{"[limits]\nmax_message_mib = 10\n", "limits.max_message_mib"},
		{"[limits]\ndaily_messages = 500\n", "limits.daily_messages"},
		{"[login]\nmax_failures = 5\n", "login.max_failures"},
		{"[queue]\nlease = \"2s\"\n", "queue.lease"},
		{"[federation]\ntrust_list_url = \"https://authority.example/trustlist.p7m\"\n", "federation.trust_list_url: needs authority.root_cert"},
		{"[federation]\ntrust_list_refresh = \"48h\"\n", "federation.trust_list_refresh"},
		{"[login]\nlock_base = 'soon'\n", "duration"},
		{"[limits]\ntime_zone = 'Mars/Olympus'\n", "limits.time_zone"},
		{"[malware]\nscanning = 'no'\n", `malware.scanning: "no" must be "on" or "off"`},
		{"[malware]\nscanning = ''\n", "malware.scanning"},
		{"[malware]\nclamd = '/run/clamav/clamd.ctl'\n", "malware.clamd"},
		{"[malware]\nclamd = 'tcp:3310'\n", "malware.clamd"},
		{"[malware]\ntimeout = '0s'\n", "malware.timeout"},
	}
	for _, c := range cases {
		dir := t.TempDir()
		if _, err := Init(t.Context(), InitOptions{Dir: dir, Domain: "a.siegel.test", Name: "A", Now: time.Now()}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, ConfigFile)
		b, _ := os.ReadFile(p)
		s := string(b)
		// Replace the section the edit names, or append a new key.
		if strings.HasPrefix(c.edit, "[") {
			sect, kv, _ := strings.Cut(c.edit, "\n")
			s = strings.Replace(s, sect+"\n", sect+"\n"+kv, 1)
			key := strings.SplitN(kv, " ", 2)[0]
			// Drop the original line of that key inside the section.
			lines := strings.Split(s, "\n")
			var out []string
			seen := false
			for _, l := range lines {
				if strings.HasPrefix(l, key+" ") {
					if seen {
						continue
					}
					seen = true
				}
				out = append(out, l)
			}
			s = strings.Join(out, "\n")
		} else {
			s = c.edit + s
		}
		os.WriteFile(p, []byte(s), 0o600)
		_, err := LoadConfig(dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("edit %q: want an error naming %q, got %v", c.edit, c.want, err)
		}
	}
}

// FuzzLoadConfig: any file gives a checked config or an error, never a panic.
func FuzzLoadConfig(f *testing.F) {
	c := DefaultConfig()
	c.Domain, c.Name = "a.siegel.test", "A"
	b, _ := c.Marshal()
	f.Add(b)
	f.Add([]byte("domain = 1\n"))
	f.Add([]byte("[login]\nlock_base = '-1s'\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, ConfigFile), data, 0o600)
		cfg, err := LoadConfig(dir)
		if err == nil && cfg.Check() != nil {
			t.Fatal("LoadConfig returned a config that fails Check")
		}
	})
}
