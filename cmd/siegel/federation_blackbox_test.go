package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestFederationBlackBox runs accreditation authorities and providers as
// separate siegel processes, as operators of a federation would: authority
// init, accredit, revoke and serve, provider init and serve, and the queue
// verbs, with the providers' users on the HTTP API. The binary is built once
// for the three cases, which run side by side, each with its own authority,
// folders and ports.
func TestFederationBlackBox(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary; skipped in -short mode")
	}
	if os.Getenv("SIEGEL_TEST_STORE") == "postgres" {
		t.Skip("the providers run on the embedded store, tested in the SQLite pass")
	}
	bin := buildBinary(t)
	t.Run("DownForHours", func(t *testing.T) { t.Parallel(); testFederationDownForHours(t, bin) })
	t.Run("Unaccredited", func(t *testing.T) { t.Parallel(); testFederationUnaccredited(t, bin) })
	t.Run("Revoked", func(t *testing.T) { t.Parallel(); testFederationRevoked(t, bin) })
}

// testFederationDownForHours: the receiving provider is down for five hours
// (its clock and the sender's moved with --clock-offset). The sender is
// warned once the 4-hour handover deadline has passed, the relay job shows
// why it fails, and once the receiving provider is back the letter arrives
// once, with the sender's dispatch and receipt evidence, also after another
// restart.
func testFederationDownForHours(t *testing.T, bin string) {
	f := newBBFederation(t, bin, "a.fed.test", "b.fed.test")
	a, b := f.nodes[0], f.nodes[1]
	a.start(0)
	b.start(0)
	ctx := t.Context()
	city := a.open(providertest.OrgApp("authority", "Stadt Funkloch", true), false)
	erika := b.open(providertest.PersonApp("Erika", "Fernab"), true)

	b.stop()
	const subject = "Bescheid über die Hundesteuer"
	sent, err := a.login(city).Send(ctx, &api.SendRequest{To: []string{erika.address}, Subject: subject,
		Text: "Sehr geehrte Frau Fernab, anbei Ihr Bescheid.", DispatchConfirmation: true, ReceiptConfirmation: true})
	if err != nil {
		t.Fatalf("send from A to B's user: %v", err)
	}
	// A tries while B is down: the relay job fails and waits.
	job := a.waitRelayJob(func(j api.QueueJob) bool { return j.Attempts > 0 && j.LastError != "" }, 20*time.Second)
	t.Logf("relay job %s while B is down: %d attempts, last error %q", job.ID, job.Attempts, job.LastError)

	// Five hours later, by A's clock: the handover deadline has passed.
	a.stop()
	a.start(5 * time.Hour)
	cityC := a.login(city)
	bbWaitFor(t, 20*time.Second, "the sender's notice that the letter is not handed over yet", func() (bool, string) {
		got := bbLetters(t, cityC, "inbox", "Noch nicht übergeben")
		return len(got) == 1, fmt.Sprintf("%d notices in the sender's inbox", len(got))
	})
	job = a.waitRelayJob(func(j api.QueueJob) bool { return j.LastError != "" }, 10*time.Second)
	if !strings.Contains(job.LastError, b.smtpAddr) {
		t.Errorf("the relay job's last error %q does not name B's SMTP endpoint %s", job.LastError, b.smtpAddr)
	}
	// As the operator sees it.
	out, err := f.siegel("queue", "list", "--dir", a.dir, "--kind", mailbox.JobRelay, "--failing", "--json")
	var failing api.QueueList
	if err == nil {
		err = json.Unmarshal([]byte(out), &failing)
	}
	if err != nil || len(failing.Jobs) != 1 || failing.Jobs[0].ID != job.ID || failing.Jobs[0].Attempts < 2 {
		t.Fatalf("siegel queue list --failing on A: %v\n%s", err, out)
	}
	if evs := bbEvidence(t, cityC, sent.ID); !slices.Equal(evs, []string{"SubmissionAcceptance"}) {
		t.Fatalf("the sender's evidence while B is down: %v", evs)
	}

	// B is back, five hours later too. A's next attempt hands the letter
	// over; when its backoff is long, the operator makes it due at once.
	b.start(5 * time.Hour)
	want := []string{"SubmissionAcceptance", "RelayAcceptance", "ContentConsignment"}
	retried := false
	var evs []api.EvidenceInfo
	bbWaitFor(t, 60*time.Second, "the letter handed over and its receipt back at A", func() (bool, string) {
		evs = bbEvidenceList(t, cityC, sent.ID)
		got := bbEvents(evs)
		if !retried && time.Since(b.started) > 15*time.Second && !slices.Contains(got, "RelayAcceptance") {
			retried = true
			if out, err := f.siegel("queue", "retry", "--dir", a.dir, job.ID); err != nil {
				t.Logf("queue retry %s: %v %s", job.ID, err, out) // running now, or done: the next poll tells
			} else {
				t.Logf("the relay job waited more than 15 s after B came back; retried it: %s", strings.TrimSpace(out))
			}
		}
		return slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))),
			fmt.Sprintf("evidence %v, want %v", got, want)
	})
	// In the order of the events: the handover to B before B's consignment
	// to its user's mailbox.
	if got := bbEvents(evs); !slices.Equal(got, want) {
		t.Errorf("the sender's evidence is in the order %v, want %v:%s", got, want, bbEvidenceTimes(evs))
	}
	erikaC := b.login(erika)
	if got := bbLetters(t, erikaC, "inbox", subject); len(got) != 1 {
		t.Fatalf("copies in B's user's inbox: %d, want 1", len(got))
	}
	if l, err := a.operator.Queue(ctx, mailbox.JobRelay, false, 100, ""); err != nil || len(l.Jobs) != 0 {
		t.Errorf("A's relay jobs after the handover: %+v, %v", l, err)
	}

	// B stops and starts once more: still one copy, one receipt.
	b.stop()
	b.start(5 * time.Hour)
	time.Sleep(2 * time.Second) // what B would do again, it does at start
	erikaC = b.login(erika)
	if got := bbLetters(t, erikaC, "inbox", subject); len(got) != 1 {
		t.Errorf("copies in B's user's inbox after B's restart: %d, want 1", len(got))
	}
	if got := bbLetters(t, erikaC, "confirmations", subject); len(got) != 1 {
		t.Errorf("receipt confirmations in B's user's mailbox after B's restart: %d, want 1", len(got))
	}
	cityC = a.login(city)
	if got := bbEvents(bbEvidenceList(t, cityC, sent.ID)); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("the sender's evidence after B's restart: %v, want %v", got, want)
	}
	if got := bbLetters(t, cityC, "confirmations", subject); len(got) != 2 {
		t.Errorf("confirmations in the sender's mailbox: %d, want the dispatch and the receipt", len(got))
	}
	for _, n := range []*bbNode{a, b} {
		if l, err := n.operator.Queue(ctx, "", true, 100, ""); err != nil || len(l.Jobs) != 0 {
			t.Errorf("%s's failing jobs at the end: %+v, %v", n.domain, l, err)
		}
	}
}

// testFederationUnaccredited: a provider whose certificates come from
// another authority than the federation's does not get past B's TLS
// handshake, even though it knows B's endpoint and certificate from the
// federation's list; an accredited provider's certificate, in the same
// client, does.
func testFederationUnaccredited(t *testing.T, bin string) {
	f := newBBFederation(t, bin, "a.fed.test", "b.fed.test")
	a, b := f.nodes[0], f.nodes[1]
	b.start(0)
	ctx := t.Context()
	erika := b.open(providertest.PersonApp("Erika", "Abseits"), false)

	// C: a provider of its own authority, with a TLS certificate from its
	// root. It need not run: its keys are what it would present.
	authC, dirC := filepath.Join(f.root, "authority-c"), filepath.Join(f.root, "c")
	f.mustSiegel("authority", "init", "--dir", authC, "--name", "Fremde Stelle")
	f.mustSiegel("init", "--dir", dirC, "--domain", "c.fed.test", "--name", "Anbieter C", "--authority", authC,
		"--listen", bbFreeAddr(t))
	// The federation's list, as any provider fetches it from the authority.
	trust := &federation.TrustStore{URL: f.listURL, Root: f.rootCert, Path: filepath.Join(f.root, "c-trustlist.p7m"),
		Client: f.authorityClient(), Clock: clock.Real{}, Log: slog.New(slog.DiscardHandler)}
	if err := trust.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if l, _ := trust.Current(); l == nil || func() bool { _, ok := l.Lookup("b.fed.test"); return !ok }() {
		t.Fatalf("the federation's list does not name B: %v", l)
	}
	sendAs := func(dir, domain, from, rcpt string) error {
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, "keys", pki.TLSCertFile), filepath.Join(dir, "keys", pki.TLSKeyFile))
		if err != nil {
			t.Fatal(err)
		}
		c := &federation.Client{Domain: domain, Cert: pair, Root: f.rootCert, Trust: trust, Clock: clock.Real{},
			Log: slog.New(slog.DiscardHandler), Timeout: 10 * time.Second}
		msg := "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: Ungebeten\r\n\r\nvon außerhalb der Föderation\r\n"
		return c.Send(ctx, "b.fed.test", from, []string{rcpt}, []byte(msg))
	}

	err := sendAs(dirC, "c.fed.test", "absender@c.fed.test", erika.address)
	var rej *federation.RejectError
	switch {
	case err == nil:
		t.Fatal("B took a message from a provider the federation did not accredit")
	case errors.As(err, &rej):
		t.Fatalf("B answered an unaccredited provider in SMTP (%v): it must refuse it in the TLS handshake", err)
	case !strings.Contains(err.Error(), "remote error: tls:"):
		// The alert is B's: our client accepted B's certificate (the
		// control below shows it), so only B can have ended the handshake.
		t.Fatalf("C's send failed, but not by B's TLS alert: %v", err)
	}
	t.Logf("C's send: %v", err)
	bbWaitFor(t, 5*time.Second, "B's log of the refused certificate", func() (bool, string) {
		return regexp.MustCompile(`c\.fed\.test.{0,4} does not verify against the authority's root`).MatchString(b.log()),
			"B's log does not say it refused C's certificate"
	})

	// The control: the same client with A's certificate, which the
	// federation accredited, gets past the handshake and to B's SMTP
	// answers (an unknown recipient, so nothing is stored).
	err = sendAs(a.dir, "a.fed.test", "absender@a.fed.test", "niemand@b.fed.test")
	if !errors.As(err, &rej) || rej.Enhanced != "5.1.1" {
		t.Fatalf("A's certificate, to an unknown recipient: %v, want B's 5.1.1 refusal", err)
	}

	erikaC := b.login(erika)
	for _, folder := range []string{"inbox", "confirmations"} {
		if got := bbLetters(t, erikaC, folder, ""); len(got) != 0 {
			t.Errorf("B stored %d letters in its user's %s", len(got), folder)
		}
	}
	if l, err := b.operator.Queue(ctx, "", false, 100, ""); err != nil || len(l.Jobs) != 0 {
		t.Errorf("B's queue after the refusals: %+v, %v", l, err)
	}
}

// testFederationRevoked: once the authority revokes A, B refuses A's
// handshake as soon as it has the new list, and A's letter waits in A's
// queue, failing, instead of arriving. A fetches its list only hourly, so
// it learns of its revocation only when it starts again: then it refuses
// letters to other providers at submission.
func testFederationRevoked(t *testing.T, bin string) {
	f := newBBFederation(t, bin, "a.fed.test", "b.fed.test")
	a, b := f.nodes[0], f.nodes[1]
	if err := provider.EditConfig(a.dir, func(c *provider.Config) {
		c.Federation.TrustListRefresh = provider.Duration{Duration: time.Hour}
	}); err != nil {
		t.Fatal(err)
	}
	a.start(0)
	b.start(0)
	ctx := t.Context()
	firma := a.open(providertest.OrgApp("organisation", "Versand vor Entzug GmbH", false), false)
	maxU := b.open(providertest.PersonApp("Max", "Entzug"), false)
	firmaC := a.login(firma)
	first, err := firmaC.Send(ctx, &api.SendRequest{To: []string{maxU.address}, Subject: "Vor dem Entzug",
		Text: "kommt an", ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	maxC := b.login(maxU)
	bbWaitFor(t, 30*time.Second, "the first letter at B and its receipt at A", func() (bool, string) {
		got := bbLetters(t, maxC, "inbox", "Vor dem Entzug")
		evs := bbEvidence(t, firmaC, first.ID)
		return len(got) == 1 && slices.Equal(evs, []string{"ContentConsignment"}),
			fmt.Sprintf("%d copies at B, evidence at A %v", len(got), evs)
	})

	out := f.mustSiegel("authority", "revoke", "--dir", f.authDir, "--domain", "a.fed.test", "--reason", "Akkreditierung entzogen")
	t.Logf("revoke: %s", strings.TrimSpace(out))
	// B refreshes its list every second and keeps the last good one in
	// its folder: once that no longer names A, B refuses A.
	bbWaitFor(t, 15*time.Second, "B's list without A", func() (bool, string) {
		der, err := os.ReadFile(filepath.Join(b.dir, provider.TrustListFile))
		if err != nil {
			return false, err.Error()
		}
		l, err := pki.ParseTrustList(der, f.rootCert, time.Now())
		if err != nil {
			return false, err.Error()
		}
		_, named := l.Lookup("a.fed.test")
		return !named && len(l.Revoked) == 1, fmt.Sprintf("B's list no. %d names %v", l.Sequence, l.Domains())
	})

	second, err := firmaC.Send(ctx, &api.SendRequest{To: []string{maxU.address}, Subject: "Nach dem Entzug",
		Text: "darf nicht ankommen", ReceiptConfirmation: true})
	if err != nil {
		t.Fatalf("send after the revocation: %v", err)
	}
	job := a.waitRelayJob(func(j api.QueueJob) bool { return j.Attempts > 0 && j.LastError != "" }, 10*time.Second)
	t.Logf("A's relay job after the revocation: %d attempts, last error %q", job.Attempts, job.LastError)
	if e := job.LastError; !strings.Contains(e, "tls") && !strings.Contains(e, "revoked") && !strings.Contains(e, "handshake") {
		t.Errorf("the relay job's error %q says nothing of TLS or the revocation", e)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if got := bbLetters(t, maxC, "inbox", "Nach dem Entzug"); len(got) != 0 {
			t.Fatalf("a letter from a revoked provider arrived at B: %+v", got)
		}
		time.Sleep(500 * time.Millisecond)
	}
	if evs := bbEvidence(t, firmaC, second.ID); len(evs) != 0 {
		t.Errorf("evidence of the letter B refused: %v", evs)
	}
	if l, err := a.operator.Queue(ctx, mailbox.JobRelay, true, 100, ""); err != nil || len(l.Jobs) != 1 {
		t.Errorf("A's failing relay jobs: %+v, %v", l, err)
	}
	if !regexp.MustCompile(`a\.fed\.test.{0,4} was revoked at .*Akkreditierung entzogen`).MatchString(b.log()) {
		t.Errorf("B's log does not say it refused A's revoked certificate")
	}
	a.stop()
	a.start(0)
	_, err = a.login(firma).Send(ctx, &api.SendRequest{To: []string{maxU.address}, Subject: "Nach dem Neustart", Text: "?"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Status != 503 || pe.Code != "not_accredited" {
		t.Errorf("a letter to another provider from a revoked one, after its restart: %v", err)
	}
}

// bbFederation is an accreditation authority served by `siegel authority
// serve` and the providers it accredited, each a data folder that `siegel
// serve` runs as a process of its own.
type bbFederation struct {
	t        *testing.T
	bin      string
	root     string // the test's folder
	cfg      string // SIEGEL_CONFIG_DIR of the CLI verbs
	authDir  string
	rootCert *x509.Certificate
	listURL  string
	nodes    []*bbNode
}

// newBBFederation makes an authority and one provider per domain, accredits
// each with its API and federation SMTP endpoints on free loopback ports,
// serves the authority, and points the providers at its trust list. The
// providers are not started.
func newBBFederation(t *testing.T, bin string, domains ...string) *bbFederation {
	t.Helper()
	f := &bbFederation{t: t, bin: bin, root: t.TempDir(), cfg: t.TempDir()}
	f.authDir = filepath.Join(f.root, "authority")
	f.mustSiegel("authority", "init", "--dir", f.authDir, "--name", "Testbehörde Föderation")
	for i, d := range domains {
		n := &bbNode{f: f, t: t, name: string(rune('A' + i)), domain: d, dir: filepath.Join(f.root, d),
			httpAddr: bbFreeAddr(t), smtpAddr: bbFreeAddr(t)}
		n.logPath = filepath.Join(f.root, d+".log")
		out := f.mustSiegel("init", "--dir", n.dir, "--domain", d, "--name", "Anbieter "+n.name, "--authority", f.authDir,
			"--listen", n.httpAddr)
		m := regexp.MustCompile(`(?m)^operator token: (\S+)$`).FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("init printed no operator token:\n%s", out)
		}
		n.token = m[1]
		f.mustSiegel("authority", "accredit", "--dir", f.authDir, "--domain", d, "--smtp", n.smtpAddr, "--api", "https://"+n.httpAddr)
		f.nodes = append(f.nodes, n)
	}
	var err error
	if f.rootCert, err = pki.ReadCertPEM(filepath.Join(f.authDir, pki.RootCertFile)); err != nil {
		t.Fatal(err)
	}
	authLog := filepath.Join(f.root, "authority.log")
	_, url := startBBProcess(t, f.bin, authLog, regexp.MustCompile(`serving accreditation authority ".*" at (https://\S+)\n`),
		"authority", "serve", "--dir", f.authDir, "--listen", "127.0.0.1:0")
	f.listURL = url + pki.TrustListPath
	for _, n := range f.nodes {
		if err := provider.EditConfig(n.dir, func(c *provider.Config) {
			c.Federation.TrustListURL = f.listURL
			c.Federation.Listen = n.smtpAddr
			c.Federation.TrustListRefresh = provider.Duration{Duration: time.Second}
			c.Federation.SMTPTimeout = provider.Duration{Duration: 5 * time.Second}
			c.Malware.Scanning = "off" // no clamd here (malware_blackbox_test.go)
		}); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, p := range append([]string{authLog}, func() (ps []string) {
			for _, n := range f.nodes {
				ps = append(ps, n.logPath)
			}
			return ps
		}()...) {
			b, _ := os.ReadFile(p)
			// Not the authority's every fetch of the list.
			b = regexp.MustCompile(`(?m)^.*path=/trustlist\.p7m status=200.*\n`).ReplaceAll(b, nil)
			if len(b) > 24<<10 {
				b = append([]byte("…\n"), b[len(b)-24<<10:]...)
			}
			t.Logf("%s:\n%s", filepath.Base(p), b)
		}
	})
	return f
}

// siegel runs a CLI verb to its end.
func (f *bbFederation) siegel(args ...string) (string, error) {
	cmd := exec.CommandContext(f.t.Context(), f.bin, args...)
	cmd.Env = append(os.Environ(), "SIEGEL_CONFIG_DIR="+f.cfg)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (f *bbFederation) mustSiegel(args ...string) string {
	f.t.Helper()
	out, err := f.siegel(args...)
	if err != nil {
		f.t.Fatalf("siegel %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

// authorityClient trusts the authority's server by its root alone.
func (f *bbFederation) authorityClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AddCert(f.rootCert)
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
}

// bbNode is one provider of a bbFederation.
type bbNode struct {
	f                  *bbFederation
	t                  *testing.T
	name, domain, dir  string
	httpAddr, smtpAddr string
	token              string // the operator's, from siegel init
	logPath            string // the processes' output, every start appended
	offset             time.Duration
	proc               *bbProcess
	started            time.Time
	public, operator   *client.Client
}

// bbUser is an account opened at a node.
type bbUser struct {
	address, password string
}

// start runs siegel serve on the node's folder with its clock offset
// (--clock-offset when non-zero), and returns once the API and the
// federation SMTP listener take connections.
func (n *bbNode) start(offset time.Duration) {
	t := n.t
	t.Helper()
	args := []string{"serve", "--dir", n.dir}
	if offset != 0 {
		args = append(args, "--clock-offset", offset.String())
	}
	var url string
	from := len(n.log())
	n.proc, url = startBBProcess(t, n.f.bin, n.logPath, regexp.MustCompile(`serving `+regexp.QuoteMeta(n.domain)+` at (https://\S+)\n`), args...)
	n.offset, n.started = offset, time.Now()
	if url != "https://"+n.httpAddr {
		t.Fatalf("%s serves at %s, want https://%s", n.domain, url, n.httpAddr)
	}
	// The listener is open once it says so (a probe of ours would be
	// logged as a failed session).
	bbWaitFor(t, 15*time.Second, n.domain+"'s federation listener", func() (bool, string) {
		return strings.Contains(n.log()[from:], "federation: SMTP server listening"), "not announced in the log"
	})
	if offset != 0 && !strings.Contains(n.log()[from:], "clock-offset") {
		t.Errorf("%s started with --clock-offset %v and logged no warning", n.domain, offset)
	}
	pem, err := os.ReadFile(filepath.Join(n.dir, "keys", pki.TLSCertFile))
	if err != nil {
		t.Fatal(err)
	}
	if n.public, err = client.New(url, pem); err != nil {
		t.Fatal(err)
	}
	n.operator = n.public.With(n.token)
}

// stop ends siegel serve with SIGTERM, as an init system does, and waits
// for a clean exit.
func (n *bbNode) stop() {
	n.t.Helper()
	if err := n.proc.stop(); err != nil {
		n.t.Errorf("%s: siegel serve after SIGTERM: %v", n.domain, err)
	}
}

func (n *bbNode) log() string {
	b, _ := os.ReadFile(n.logPath)
	return string(b)
}

// now is the node's clock.
func (n *bbNode) now() time.Time { return time.Now().Add(n.offset) }

// open takes an application through verification by the operator and a
// first login, and enrols TOTP when withTOTP is set.
func (n *bbNode) open(app *api.ApplicationRequest, withTOTP bool) *bbUser {
	t := n.t
	t.Helper()
	ctx := t.Context()
	res, err := n.public.Apply(ctx, app)
	if err != nil {
		t.Fatalf("apply at %s: %v", n.domain, err)
	}
	v, err := n.operator.Verify(ctx, res.ID, &api.VerifyRequest{Method: "qualified_signature"})
	if err != nil {
		t.Fatalf("verify at %s: %v", n.domain, err)
	}
	u := &bbUser{address: res.Address, password: v.InitialPassword}
	c := n.login(u)
	if withTOTP {
		en, err := c.EnrollTOTP(ctx)
		if err != nil {
			t.Fatalf("enrol TOTP: %v", err)
		}
		code, err := account.TOTPCode(en.Secret, n.now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.ConfirmTOTP(ctx, code); err != nil {
			t.Fatalf("confirm TOTP: %v", err)
		}
	}
	return u
}

// login is a session at normal: a restarted node, hours later, has ended
// the earlier ones.
func (n *bbNode) login(u *bbUser) *client.Client {
	n.t.Helper()
	s, err := n.public.Login(n.t.Context(), u.address, u.password, "")
	if err != nil {
		n.t.Fatalf("login %s: %v", u.address, err)
	}
	return n.public.With(s.Token)
}

// waitRelayJob waits for the node's one relay job to satisfy ok.
func (n *bbNode) waitRelayJob(ok func(api.QueueJob) bool, within time.Duration) api.QueueJob {
	n.t.Helper()
	var job api.QueueJob
	bbWaitFor(n.t, within, n.domain+"'s relay job", func() (bool, string) {
		l, err := n.operator.Queue(n.t.Context(), mailbox.JobRelay, false, 100, "")
		if err != nil {
			return false, err.Error()
		}
		if len(l.Jobs) != 1 {
			return false, fmt.Sprintf("%d relay jobs", len(l.Jobs))
		}
		job = l.Jobs[0]
		return ok(job), fmt.Sprintf("%+v", job)
	})
	return job
}

// bbProcess is a long-running siegel verb.
type bbProcess struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// startBBProcess runs bin with args, its standard output and error appended
// to logPath, and returns once standard output matches ready, with the
// match's first group.
func startBBProcess(t *testing.T, bin, logPath string, ready *regexp.Regexp, args ...string) (*bbProcess, string) {
	t.Helper()
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(logf, "=== %s siegel %s\n", time.Now().Format(time.TimeOnly), strings.Join(args, " "))
	var out syncBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, logf), logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		t.Fatal(err)
	}
	p := &bbProcess{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); logf.Close(); close(p.done) }()
	t.Cleanup(func() { p.cmd.Process.Kill(); <-p.done })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := ready.FindStringSubmatch(out.String()); m != nil {
			return p, m[1]
		}
		select {
		case <-p.done:
			b, _ := os.ReadFile(logPath)
			t.Fatalf("siegel %s exited: %v\n%s", strings.Join(args, " "), p.err, b)
		default:
		}
	}
	b, _ := os.ReadFile(logPath)
	t.Fatalf("siegel %s did not start within 30 s:\n%s", strings.Join(args, " "), b)
	return nil, ""
}

// stop sends SIGTERM and waits for the exit.
func (p *bbProcess) stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return errors.New("did not stop within 20 s of SIGTERM; killed")
	}
}

// bbFreeAddr is a loopback address with a port free at the moment,
// for a listener that must be named before it runs (the trust list names a
// provider's SMTP endpoint).
func bbFreeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// bbWaitFor polls cond until it holds, and fails the test after within with
// cond's last word.
func bbWaitFor(t *testing.T, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, within, why)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// bbLetters lists a folder's letters whose subject contains subject.
func bbLetters(t *testing.T, c *client.Client, folder, subject string) []api.LetterSummary {
	t.Helper()
	l, err := c.List(context.Background(), folder, 100, "")
	if err != nil {
		t.Fatalf("list %s: %v", folder, err)
	}
	var out []api.LetterSummary
	for _, s := range l.Letters {
		if strings.Contains(s.Subject, subject) {
			out = append(out, s)
		}
	}
	return out
}

// bbEvidence is the events of the evidence the holder of copy id has, in
// order.
func bbEvidence(t *testing.T, c *client.Client, id string) []string {
	t.Helper()
	return bbEvents(bbEvidenceList(t, c, id))
}

func bbEvidenceList(t *testing.T, c *client.Client, id string) []api.EvidenceInfo {
	t.Helper()
	l, err := c.Evidence(context.Background(), id)
	if err != nil {
		t.Fatalf("evidence of %s: %v", id, err)
	}
	return l.Evidence
}

func bbEvents(evs []api.EvidenceInfo) []string {
	var out []string
	for _, e := range evs {
		out = append(out, e.Event)
	}
	return out
}

func bbEvidenceTimes(evs []api.EvidenceInfo) string {
	var b strings.Builder
	for _, e := range evs {
		fmt.Fprintf(&b, "\n\t%s at %s", e.Event, e.At.UTC().Format(time.RFC3339Nano))
	}
	return b.String()
}
