package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/blackbox"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/provider/providertest"
)

func buildBinary(t *testing.T) string { return blackbox.Build(t) }

// startServe runs siegel serve and returns the URL it reports.
func startServe(t *testing.T, bin string, args ...string) (string, *exec.Cmd) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve"}, args...)...)
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	urls := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if i := strings.Index(sc.Text(), " at "); strings.HasPrefix(sc.Text(), "serving ") && i > 0 {
				urls <- sc.Text()[i+4:]
			}
		}
	}()
	select {
	case u := <-urls:
		return u, cmd
	case <-time.After(30 * time.Second):
		t.Fatal("siegel serve did not start")
	}
	return "", nil
}

// TestInitServeBlackBox: an operator creates a provider, serves it over TLS,
// and runs the account workflow through the admin verbs with --dir.
func TestInitServeBlackBox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	t.Parallel()
	bin := buildBinary(t)
	dir := filepath.Join(t.TempDir(), "prov")
	cfg := t.TempDir()
	run := func(stdin string, args ...string) (string, error) {
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "SIEGEL_CONFIG_DIR="+cfg)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	initArgs := []string{"init", "--dir", dir, "--domain", "amt.siegel.test", "--name", "Amt Test", "--listen", "127.0.0.1:0"}
	storeURL := providertest.StoreURL(t) // "" for SQLite; PostgreSQL in the second CI pass
	if storeURL != "" {
		initArgs = append(initArgs, "--store", storeURL)
	}
	if out, err := run("", initArgs...); err != nil {
		t.Fatalf("init: %v\n%s", err, out)
	}
	// No clamd here: malware_blackbox_test.go is about the scanner.
	if err := provider.EditConfig(dir, func(c *provider.Config) { c.Malware.Scanning = "off" }); err != nil {
		t.Fatal(err)
	}
	if out, err := run("", "init", "--dir", dir, "--domain", "amt.siegel.test", "--name", "Amt Test"); err == nil || !strings.Contains(out, "not overwriting") {
		t.Fatalf("second init must refuse: %v\n%s", err, out)
	}
	if out, err := run("", "migrate", "--dir", dir); err != nil || !strings.Contains(out, "nothing to do") {
		t.Fatalf("migrate on a new provider: %v\n%s", err, out)
	}
	url, first := startServe(t, bin, "--dir", dir)
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("serve URL %q: TLS must be the default", url)
	}
	// Plain HTTP is refused by a TLS listener.
	if resp, err := http.Get("http" + strings.TrimPrefix(url, "https") + "/api/v1/letters"); err == nil && resp.StatusCode < 400 {
		t.Fatalf("plain HTTP answered %d on the TLS port", resp.StatusCode)
	}
	out, err := run("", "account", "open", "--dir", dir, "--kind", "authority", "--name", "Stadt Prüfstadt",
		"--legal-form", "KdöR", "--street", "Markt 1", "--postcode", "12345", "--town", "Prüfstadt",
		"--representative", "Bürgermeister", "--formal-service", "--acknowledge-info", "--consent-malware-scan", "--json")
	if err != nil {
		t.Fatalf("account open: %v\n%s", err, out)
	}
	var app api.ApplicationResponse
	json.Unmarshal([]byte(out), &app)
	if app.Address != "stadt_pruefstadt@amt.siegel.test" {
		t.Fatalf("application %q", out)
	}
	out, err = run("", "account", "verify", app.ID, "--dir", dir, "--method", "qualified_signature", "--json")
	if err != nil {
		t.Fatalf("verify: %v\n%s", err, out)
	}
	var v api.VerifyResponse
	json.Unmarshal([]byte(out), &v)
	if v.InitialPassword == "" {
		t.Fatalf("verify: %s", out)
	}
	if out, err := run(v.InitialPassword+"\n", "login", "--server", url, "--ca-file", filepath.Join(dir, "keys", "tls.crt"),
		"--address", app.Address, "--password-file", "-"); err != nil {
		t.Fatalf("login: %v\n%s", err, out)
	}
	if out, err := run("", "account", "show", app.ID, "--dir", dir); err != nil || !strings.Contains(out, "activated") {
		t.Fatalf("show: %v\n%s", err, out)
	}

	// One process per data folder with the embedded store; PostgreSQL is
	// shared by many nodes (TestTwoNodesBlackBox).
	if storeURL == "" {
		if out, err := run("", "serve", "--dir", dir, "--listen", "127.0.0.1:0"); err == nil || !strings.Contains(out, "in use by another siegel process") {
			t.Fatalf("a second server on the same folder: %v\n%s", err, out)
		}
	}
	first.Process.Signal(os.Interrupt)
	first.Wait()

	// --plain-http serves plain HTTP, only when asked.
	plainURL, _ := startServe(t, bin, "--dir", dir, "--listen", "127.0.0.1:0", "--plain-http")
	resp, err := http.Get(plainURL + "/api/v1/sessions/current")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.HasPrefix(plainURL, "http://") || resp.StatusCode != 401 {
		t.Fatalf("plain HTTP: %s answered %d", plainURL, resp.StatusCode)
	}
}
