package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/blackbox"
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
	f := blackbox.NewFederation(t, bin, blackbox.Setup{}, "a.fed.test", "b.fed.test")
	a, b := f.Nodes[0], f.Nodes[1]
	a.Start(0)
	b.Start(0)
	ctx := t.Context()
	city := a.Open(providertest.OrgApp("authority", "Stadt Funkloch", true), false)
	erika := b.Open(providertest.PersonApp("Erika", "Fernab"), true)

	b.Stop()
	const subject = "Bescheid über die Hundesteuer"
	sent, err := a.Login(city).Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: subject,
		Text: "Sehr geehrte Frau Fernab, anbei Ihr Bescheid.", DispatchConfirmation: true, ReceiptConfirmation: true})
	if err != nil {
		t.Fatalf("send from A to B's user: %v", err)
	}
	// A tries while B is down: the relay job fails and waits.
	job := a.WaitRelayJob(func(j api.QueueJob) bool { return j.Attempts > 0 && j.LastError != "" }, 20*time.Second)
	t.Logf("relay job %s while B is down: %d attempts, last error %q", job.ID, job.Attempts, job.LastError)

	// Five hours later, by A's clock: the handover deadline has passed.
	a.Stop()
	a.Start(5 * time.Hour)
	cityC := a.Login(city)
	blackbox.WaitFor(t, 20*time.Second, "the sender's notice that the letter is not handed over yet", func() (bool, string) {
		got := bbLetters(t, cityC, "inbox", "Noch nicht übergeben")
		return len(got) == 1, fmt.Sprintf("%d notices in the sender's inbox", len(got))
	})
	job = a.WaitRelayJob(func(j api.QueueJob) bool { return j.LastError != "" }, 10*time.Second)
	if !strings.Contains(job.LastError, b.SMTPAddr) {
		t.Errorf("the relay job's last error %q does not name B's SMTP endpoint %s", job.LastError, b.SMTPAddr)
	}
	// As the operator sees it.
	out, err := f.Siegel("queue", "list", "--dir", a.Dir, "--kind", mailbox.JobRelay, "--failing", "--json")
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
	b.Start(5 * time.Hour)
	want := []string{"SubmissionAcceptance", "RelayAcceptance", "ContentConsignment"}
	retried := false
	var evs []api.EvidenceInfo
	blackbox.WaitFor(t, 60*time.Second, "the letter handed over and its receipt back at A", func() (bool, string) {
		evs = bbEvidenceList(t, cityC, sent.ID)
		got := bbEvents(evs)
		if !retried && time.Since(b.Started) > 15*time.Second && !slices.Contains(got, "RelayAcceptance") {
			retried = true
			if out, err := f.Siegel("queue", "retry", "--dir", a.Dir, job.ID); err != nil {
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
	erikaC := b.Login(erika)
	if got := bbLetters(t, erikaC, "inbox", subject); len(got) != 1 {
		t.Fatalf("copies in B's user's inbox: %d, want 1", len(got))
	}
	if l, err := a.Operator.Queue(ctx, mailbox.JobRelay, false, 100, ""); err != nil || len(l.Jobs) != 0 {
		t.Errorf("A's relay jobs after the handover: %+v, %v", l, err)
	}

	// B stops and starts once more: still one copy, one receipt.
	b.Stop()
	b.Start(5 * time.Hour)
	time.Sleep(2 * time.Second) // what B would do again, it does at start
	erikaC = b.Login(erika)
	if got := bbLetters(t, erikaC, "inbox", subject); len(got) != 1 {
		t.Errorf("copies in B's user's inbox after B's restart: %d, want 1", len(got))
	}
	if got := bbLetters(t, erikaC, "confirmations", subject); len(got) != 1 {
		t.Errorf("receipt confirmations in B's user's mailbox after B's restart: %d, want 1", len(got))
	}
	cityC = a.Login(city)
	if got := bbEvents(bbEvidenceList(t, cityC, sent.ID)); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(want))) {
		t.Errorf("the sender's evidence after B's restart: %v, want %v", got, want)
	}
	if got := bbLetters(t, cityC, "confirmations", subject); len(got) != 2 {
		t.Errorf("confirmations in the sender's mailbox: %d, want the dispatch and the receipt", len(got))
	}
	for _, n := range []*blackbox.Node{a, b} {
		if l, err := n.Operator.Queue(ctx, "", true, 100, ""); err != nil || len(l.Jobs) != 0 {
			t.Errorf("%s's failing jobs at the end: %+v, %v", n.Domain, l, err)
		}
	}
}

// testFederationUnaccredited: a provider whose certificates come from
// another authority than the federation's does not get past B's TLS
// handshake, even though it knows B's endpoint and certificate from the
// federation's list; an accredited provider's certificate, in the same
// client, does.
func testFederationUnaccredited(t *testing.T, bin string) {
	f := blackbox.NewFederation(t, bin, blackbox.Setup{}, "a.fed.test", "b.fed.test")
	a, b := f.Nodes[0], f.Nodes[1]
	b.Start(0)
	ctx := t.Context()
	erika := b.Open(providertest.PersonApp("Erika", "Abseits"), false)

	// C: a provider of its own authority, with a TLS certificate from its
	// root. It need not run: its keys are what it would present.
	authC, dirC := filepath.Join(f.Root, "authority-c"), filepath.Join(f.Root, "c")
	f.MustSiegel("authority", "init", "--dir", authC, "--name", "Fremde Stelle")
	f.MustSiegel("init", "--dir", dirC, "--domain", "c.fed.test", "--name", "Anbieter C", "--authority", authC,
		"--listen", blackbox.FreeAddr(t))
	// The federation's list, as any provider fetches it from the authority.
	trust := &federation.TrustStore{URL: f.ListURL, Root: f.RootCert, Path: filepath.Join(f.Root, "c-trustlist.p7m"),
		Client: f.AuthorityClient(), Clock: clock.Real{}, Log: slog.New(slog.DiscardHandler)}
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
		c := &federation.Client{Domain: domain, Cert: pair, Root: f.RootCert, Trust: trust, Clock: clock.Real{},
			Log: slog.New(slog.DiscardHandler), Timeout: 10 * time.Second}
		msg := "From: " + from + "\r\nTo: " + rcpt + "\r\nSubject: Ungebeten\r\n\r\nvon außerhalb der Föderation\r\n"
		return c.Send(ctx, "b.fed.test", from, []string{rcpt}, []byte(msg))
	}

	err := sendAs(dirC, "c.fed.test", "absender@c.fed.test", erika.Address)
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
	blackbox.WaitFor(t, 5*time.Second, "B's log of the refused certificate", func() (bool, string) {
		return regexp.MustCompile(`c\.fed\.test.{0,4} does not verify against the authority's root`).MatchString(b.Log()),
			"B's log does not say it refused C's certificate"
	})

	// The control: the same client with A's certificate, which the
	// federation accredited, gets past the handshake and to B's SMTP
	// answers (an unknown recipient, so nothing is stored).
	err = sendAs(a.Dir, "a.fed.test", "absender@a.fed.test", "niemand@b.fed.test")
	if !errors.As(err, &rej) || rej.Enhanced != "5.1.1" {
		t.Fatalf("A's certificate, to an unknown recipient: %v, want B's 5.1.1 refusal", err)
	}

	erikaC := b.Login(erika)
	for _, folder := range []string{"inbox", "confirmations"} {
		if got := bbLetters(t, erikaC, folder, ""); len(got) != 0 {
			t.Errorf("B stored %d letters in its user's %s", len(got), folder)
		}
	}
	if l, err := b.Operator.Queue(ctx, "", false, 100, ""); err != nil || len(l.Jobs) != 0 {
		t.Errorf("B's queue after the refusals: %+v, %v", l, err)
	}
}

// testFederationRevoked: once the authority revokes A, B refuses A's
// handshake as soon as it has the new list, and A's letter waits in A's
// queue, failing, instead of arriving. A fetches its list only hourly, so
// it learns of its revocation only when it starts again: then it refuses
// letters to other providers at submission.
func testFederationRevoked(t *testing.T, bin string) {
	f := blackbox.NewFederation(t, bin, blackbox.Setup{}, "a.fed.test", "b.fed.test")
	a, b := f.Nodes[0], f.Nodes[1]
	if err := provider.EditConfig(a.Dir, func(c *provider.Config) {
		c.Federation.TrustListRefresh = provider.Duration{Duration: time.Hour}
	}); err != nil {
		t.Fatal(err)
	}
	a.Start(0)
	b.Start(0)
	ctx := t.Context()
	firma := a.Open(providertest.OrgApp("organisation", "Versand vor Entzug GmbH", false), false)
	maxU := b.Open(providertest.PersonApp("Max", "Entzug"), false)
	firmaC := a.Login(firma)
	first, err := firmaC.Send(ctx, &api.SendRequest{To: []string{maxU.Address}, Subject: "Vor dem Entzug",
		Text: "kommt an", ReceiptConfirmation: true})
	if err != nil {
		t.Fatal(err)
	}
	maxC := b.Login(maxU)
	blackbox.WaitFor(t, 30*time.Second, "the first letter at B and its receipt at A", func() (bool, string) {
		got := bbLetters(t, maxC, "inbox", "Vor dem Entzug")
		evs := bbEvidence(t, firmaC, first.ID)
		return len(got) == 1 && slices.Equal(evs, []string{"ContentConsignment"}),
			fmt.Sprintf("%d copies at B, evidence at A %v", len(got), evs)
	})

	out := f.MustSiegel("authority", "revoke", "--dir", f.AuthDir, "--domain", "a.fed.test", "--reason", "Akkreditierung entzogen")
	t.Logf("revoke: %s", strings.TrimSpace(out))
	// B refreshes its list every second and keeps the last good one in
	// its folder: once that no longer names A, B refuses A.
	blackbox.WaitFor(t, 15*time.Second, "B's list without A", func() (bool, string) {
		der, err := os.ReadFile(filepath.Join(b.Dir, provider.TrustListFile))
		if err != nil {
			return false, err.Error()
		}
		l, err := pki.ParseTrustList(der, f.RootCert, time.Now())
		if err != nil {
			return false, err.Error()
		}
		_, named := l.Lookup("a.fed.test")
		return !named && len(l.Revoked) == 1, fmt.Sprintf("B's list no. %d names %v", l.Sequence, l.Domains())
	})

	second, err := firmaC.Send(ctx, &api.SendRequest{To: []string{maxU.Address}, Subject: "Nach dem Entzug",
		Text: "darf nicht ankommen", ReceiptConfirmation: true})
	if err != nil {
		t.Fatalf("send after the revocation: %v", err)
	}
	job := a.WaitRelayJob(func(j api.QueueJob) bool { return j.Attempts > 0 && j.LastError != "" }, 10*time.Second)
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
	if l, err := a.Operator.Queue(ctx, mailbox.JobRelay, true, 100, ""); err != nil || len(l.Jobs) != 1 {
		t.Errorf("A's failing relay jobs: %+v, %v", l, err)
	}
	if !regexp.MustCompile(`a\.fed\.test.{0,4} was revoked at .*Akkreditierung entzogen`).MatchString(b.Log()) {
		t.Errorf("B's log does not say it refused A's revoked certificate")
	}
	a.Stop()
	a.Start(0)
	_, err = a.Login(firma).Send(ctx, &api.SendRequest{To: []string{maxU.Address}, Subject: "Nach dem Neustart", Text: "?"})
	var pe *client.Error
	if !errors.As(err, &pe) || pe.Status != 503 || pe.Code != "not_accredited" {
		t.Errorf("a letter to another provider from a revoked one, after its restart: %v", err)
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
