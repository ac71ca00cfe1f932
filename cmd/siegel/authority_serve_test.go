package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"io"
	"net/http"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/blackbox"
	"github.com/siegel-mail/siegel/internal/pki"
)

// startAuthorityServe runs `siegel authority serve` in-process until stop,
// which returns the exit code and standard error, and returns the URL it
// announced.
func startAuthorityServe(t *testing.T, c *cli, args ...string) (url string, stop func() (int, string)) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	var out, errb blackbox.SyncBuffer
	e := &env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(k string) string {
		if k == "SIEGEL_CONFIG_DIR" {
			return c.cfg
		}
		return ""
	}}
	done := make(chan int, 1)
	go func() { done <- run(ctx, e, append([]string{"authority", "serve"}, args...)) }()
	stop = sync.OnceValues(func() (int, string) {
		cancel()
		select {
		case code := <-done:
			return code, errb.String()
		case <-time.After(15 * time.Second):
			t.Fatal("authority serve did not stop")
			return -1, ""
		}
	})
	t.Cleanup(func() { stop() })
	re := regexp.MustCompile(`serving accreditation authority ".*" at (https://\S+)\n`)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1], stop
		}
		select {
		case code := <-done:
			t.Fatalf("authority serve exited with %d: %s", code, errb.String())
		default:
		}
	}
	t.Fatalf("authority serve announced no URL; stdout %q, stderr %q", out.String(), errb.String())
	return "", nil
}

func TestCLIAuthorityServe(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", dir, "--json")
	for _, d := range []string{"anbieter-a.example", "anbieter-b.example"} {
		c.ok("", "authority", "issue", "--dir", dir, "--domain", d, "--name", d, "--out", filepath.Join(work, d))
	}
	url, stop := startAuthorityServe(t, c, "--dir", dir, "--listen", "127.0.0.1:0", "--valid", "2h")
	if !strings.HasPrefix(url, "https://127.0.0.1:") {
		t.Fatalf("URL %q", url)
	}
	root, err := pki.ReadCertPEM(filepath.Join(dir, pki.RootCertFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(root)
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	fetch := func() *pki.TrustList {
		t.Helper()
		resp, err := client.Get(url + pki.TrustListPath)
		if err != nil {
			t.Fatalf("GET the trust list: %v", err)
		}
		defer resp.Body.Close()
		der, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != pki.TrustListType {
			t.Fatalf("GET the trust list: %s %q", resp.Status, resp.Header.Get("Content-Type"))
		}
		l, err := pki.ParseTrustList(der, root, time.Now())
		if err != nil {
			t.Fatalf("ParseTrustList: %v", err)
		}
		return l
	}
	l := fetch()
	if len(l.Providers) != 2 || l.NextUpdate.Sub(l.Issued) != 2*time.Hour {
		t.Fatalf("first list: %v, valid %v", l.Domains(), l.NextUpdate.Sub(l.Issued))
	}
	// Other verbs work on the folder while it serves; the next fetch shows it.
	c.ok("", "authority", "accredit", "--dir", dir, "--domain", "anbieter-a.example", "--smtp", "127.0.0.1:2465", "--api", "https://127.0.0.1:8443")
	c.ok("", "authority", "revoke", "--dir", dir, "--domain", "anbieter-b.example", "--reason", "entzogen")
	l2 := fetch()
	if l2.Sequence <= l.Sequence || len(l2.Providers) != 1 || l2.Providers[0].SMTP != "127.0.0.1:2465" || len(l2.Revoked) != 1 {
		t.Fatalf("after accredit and revoke: no. %d, %+v, revoked %+v", l2.Sequence, l2.Providers, l2.Revoked)
	}
	// The TSA answers with a token that chains to the root.
	h := &pki.HTTPTimestamper{URL: url + pki.TSAPath, Client: client, Roots: pool}
	digest := bytes.Repeat([]byte{7}, 32)
	if _, err := h.Timestamp(t.Context(), digest); err != nil {
		t.Errorf("time stamp: %v", err)
	}
	code, errs := stop()
	if code != 0 {
		t.Fatalf("exit %d after its context ended: %s", code, errs)
	}
	for _, want := range []string{"issued the server certificate", "signed trust list", "path=/trustlist.p7m"} {
		if !strings.Contains(errs, want) {
			t.Errorf("the log lacks %q:\n%s", want, errs)
		}
	}
}

func TestCLIAuthorityServeRefusesBadInput(t *testing.T) {
	t.Parallel()
	c := &cli{t: t, cfg: t.TempDir()}
	work := t.TempDir()
	dir := filepath.Join(work, "authority")
	c.ok("", "authority", "init", "--dir", dir, "--json")
	for _, tc := range []struct {
		want string
		args []string
	}{
		{"--dir: required", []string{"--listen", "127.0.0.1:0"}},
		{"--listen: required", []string{"--dir", dir}},
		{"--valid: ", []string{"--dir", dir, "--listen", "127.0.0.1:0", "--valid", "10m"}},
		{"--valid: ", []string{"--dir", dir, "--listen", "127.0.0.1:0", "--valid", "800h"}},
		{"invalid value", []string{"--dir", dir, "--listen", "127.0.0.1:0", "--valid", "a day"}},
		{"--host: ", []string{"--dir", dir, "--listen", "127.0.0.1:0", "--host", "localhost", "--host", "not a host"}},
		{"--host: ", []string{"--dir", dir, "--listen", "127.0.0.1:0", "--host", "https://trust.example"}},
		{"--listen: ", []string{"--dir", dir, "--listen", "127.0.0.1"}},
		{"--dir: ", []string{"--dir", work, "--listen", "127.0.0.1:0"}},
		{"unexpected argument", []string{"--dir", dir, "--listen", "127.0.0.1:0", "extra"}},
	} {
		c.fails(tc.want, "", append([]string{"authority", "serve"}, tc.args...)...)
	}
}
