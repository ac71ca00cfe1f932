package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/demo"
	"github.com/siegel-mail/siegel/internal/pki"
)

// TestDemoBlackBox builds the binary, starts siegel demo as its own process,
// uses it through the CLI as a newcomer would, stops it, and starts it again on
// the same folder.
func TestDemoBlackBox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	if os.Getenv("SIEGEL_TEST_STORE") == "postgres" {
		t.Skip("the demo runs on the embedded store, tested in the SQLite pass")
	}
	t.Parallel()
	bin := buildBinary(t)
	dataDir, cfg := t.TempDir(), t.TempDir()
	environ := append(os.Environ(), "SIEGEL_CONFIG_DIR="+cfg)
	siegel := func(stdin string, args ...string) (string, error) {
		cmd := exec.CommandContext(t.Context(), bin, args...)
		cmd.Env, cmd.Stdin = environ, strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	start := func() (*exec.Cmd, *demo.File) {
		cmd := exec.Command(bin, "demo", "--dir", dataDir, "--listen", "127.0.0.1:0")
		cmd.Env = environ
		stdout, _ := cmd.StdoutPipe()
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		ready := make(chan string, 1)
		go func() {
			sc := bufio.NewScanner(stdout)
			var all strings.Builder
			for sc.Scan() {
				all.WriteString(sc.Text() + "\n")
				if strings.HasPrefix(sc.Text(), "Everything above is in") {
					ready <- all.String()
				}
			}
		}()
		select {
		case out := <-ready:
			if !strings.Contains(out, "pn_leser@") || !strings.Contains(out, "authority") {
				t.Fatalf("demo table lacks accounts:\n%s", out)
			}
		case <-time.After(90 * time.Second):
			t.Fatal("demo did not start within 90 s")
		}
		b, err := os.ReadFile(filepath.Join(dataDir, "demo.json"))
		if err != nil {
			t.Fatal(err)
		}
		var f demo.File
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		return cmd, &f
	}
	cmd, f := start()
	if len(f.Providers) != 2 || len(f.Accounts) != 4 || f.Providers[0].APIURL == "" || f.Providers[1].FederationAddr == "" {
		t.Fatalf("demo.json: %+v", f)
	}
	urlOf := func(f *demo.File, a demo.AccountEntry) string {
		for _, p := range f.Providers {
			if p.Domain == a.Provider {
				return p.APIURL
			}
		}
		t.Fatalf("no provider %s in demo.json", a.Provider)
		return ""
	}
	// The demo's authority: its root and a trust list, signed, naming the
	// demo provider.
	if f.Authority == nil {
		t.Fatalf("demo.json has no authority: %+v", f)
	}
	root, err := pki.ReadCertPEM(f.Authority.RootCert)
	if err != nil {
		t.Fatalf("demo.json authority.root_cert: %v", err)
	}
	der, err := os.ReadFile(f.Authority.TrustList)
	if err != nil {
		t.Fatal(err)
	}
	list, err := pki.ParseTrustList(der, root, time.Now())
	if err != nil {
		t.Fatalf("demo trust list: %v", err)
	}
	for _, d := range []string{demo.Domain, demo.DomainB} {
		if p, ok := list.Lookup(d); !ok || p.SMTP == "" {
			t.Fatalf("the demo trust list lacks %s with its SMTP endpoint: %v", d, list.Domains())
		}
	}
	kinds := map[string]int{}
	for _, a := range f.Accounts {
		kinds[a.Kind]++
		if a.Password == "" || a.TOTPSecret == "" || (a.Provider != demo.Domain && a.Provider != demo.DomainB) {
			t.Fatalf("account entry %+v", a)
		}
	}
	if kinds["authority"] != 1 || kinds["organisation"] != 1 || kinds["person"] != 2 {
		t.Fatalf("account kinds %v", kinds)
	}
	erika := f.Accounts[2]
	url := urlOf(f, erika)
	if erika.Provider == f.Accounts[0].Provider {
		t.Fatalf("the citizen and the city at one provider: %+v", f.Accounts)
	}
	// The CLI works against the demo with no extra flags.
	if out, err := siegel(erika.Password+"\n", "login", "--server", url, "--address", erika.Address, "--password-file", "-"); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	// The seeded letters cross from the other provider while the demo
	// starts: the city's and the insurer's, with their confirmations.
	var l api.LetterList
	var out string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		var err error
		if out, err = siegel("", "inbox", "--json"); err != nil {
			t.Fatalf("inbox: %v\n%s", err, out)
		}
		if err := json.Unmarshal([]byte(out), &l); err != nil {
			t.Fatalf("inbox: %v %s", err, out)
		}
		if len(l.Letters) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the letters from the other provider did not arrive in 60 s: %s", out)
		}
	}
	hidden := 0
	for _, s := range l.Letters {
		if s.ContentHidden {
			hidden++
			if out, err := siegel("", "read", s.ID); err == nil || !strings.Contains(out, "login_level") {
				t.Fatalf("personal letter read at normal: %v %s", err, out)
			}
		} else if out, err := siegel("", "read", s.ID); err != nil {
			t.Fatalf("read: %v %s", err, out)
		}
	}
	if hidden != 1 {
		t.Fatalf("want the authority's pickup letter hidden at normal, %d hidden", hidden)
	}
	// Step up with a code from the demo's secret: the letter opens, and the
	// login at high was its pickup.
	code, err := siegel("", "totp", "code", erika.TOTPSecret)
	if err != nil {
		t.Fatalf("totp code: %v %s", err, code)
	}
	if out, err := siegel("", "step-up", "--totp-code", strings.TrimSpace(code)); err != nil {
		t.Fatalf("step-up: %v\n%s", err, out)
	}
	for _, s := range l.Letters {
		if s.ContentHidden {
			out, err := siegel("", "read", s.ID)
			if err != nil || !strings.Contains(out, "Grundsteuerbescheid") || !strings.Contains(out, "picked_up") {
				t.Fatalf("personal letter at high: %v\n%s", err, out)
			}
		}
	}
	if out, err := siegel("", "send", "--to", f.Accounts[0].Address, "--subject", "Rückfrage", "--text", "Guten Tag", "--receipt-confirmation"); err != nil {
		t.Fatalf("send: %v\n%s", err, out)
	}
	// The city, at the other provider, has every confirmation of its
	// letter: its own provider's dispatch confirmation, and the receipt
	// and pickup confirmations Erika's provider issued and sent back.
	city := f.Accounts[0]
	if out, err := siegel(city.Password+"\n", "login", "--server", urlOf(f, city), "--address", city.Address, "--password-file", "-"); err != nil {
		t.Fatalf("login as the city: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		out, err := siegel("", "inbox", "--folder", "confirmations", "--json")
		if err != nil {
			t.Fatalf("the city's confirmations: %v\n%s", err, out)
		}
		var c api.LetterList
		if err := json.Unmarshal([]byte(out), &c); err != nil {
			t.Fatal(err)
		}
		got := map[string]bool{}
		for _, l := range c.Letters {
			if strings.Contains(l.Subject, "Grundsteuerbescheid") {
				got[strings.SplitN(l.Subject, " ", 2)[0]] = true
			}
		}
		if got["*Versandbestätigung*"] && got["*Eingangsbestätigung*"] && got["*Abholbestätigung*"] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the city's confirmations of its letter to Erika after 60 s: %v\n%s", got, out)
		}
	}
	// Stop, start again on the same folder: same accounts, same letters.
	cmd.Process.Signal(syscall.SIGINT)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("demo did not stop on SIGINT")
	}
	_, f2 := start()
	if f2.Accounts[2].Password != erika.Password {
		t.Fatal("second start changed the credentials")
	}
	if out, err := siegel(erika.Password+"\n", "login", "--server", urlOf(f2, erika), "--address", erika.Address, "--password-file", "-"); err != nil {
		t.Fatalf("login after restart: %v\n%s", err, out)
	}
	out, err = siegel("", "inbox", "--folder", "sent", "--json")
	if err != nil || !strings.Contains(out, "Rückfrage") {
		t.Fatalf("sent folder after restart: %v %s", err, out)
	}
}
