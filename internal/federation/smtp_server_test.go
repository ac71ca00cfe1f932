package federation

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/siegel-mail/siegel/internal/pki"
)

// TestSendDelivers: A's client sends to B's server, and B's Deliverer gets
// the envelope and the bytes exactly, with A as the peer.
func TestSendDelivers(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	rcpts := []string{"erika.mustermann@b.siegel.test", "max.muster@b.siegel.test"}
	msg := message("hans.meier@a.siegel.test", rcpts[0])
	if err := f.client(a).Send(t.Context(), "B.siegel.test", "hans.meier@a.siegel.test", rcpts, msg); err != nil {
		t.Fatal(err)
	}
	got := b.inbox.messages()
	if len(got) != 1 {
		t.Fatalf("B received %d messages, want 1", len(got))
	}
	r := got[0]
	if r.peer != a.domain || r.from != "hans.meier@a.siegel.test" || strings.Join(r.rcpts, ",") != strings.Join(rcpts, ",") {
		t.Errorf("envelope: peer %s from %s rcpts %v", r.peer, r.from, r.rcpts)
	}
	if !bytes.Equal(r.msg, msg) {
		t.Errorf("message:\n%q\nwant\n%q", r.msg, msg)
	}
	if want := "a.siegel.test " + rcpts[0] + "|a.siegel.test " + rcpts[1]; strings.Join(b.inbox.checked, "|") != want {
		t.Errorf("recipients checked: %q, want %q", b.inbox.checked, want)
	}
}

// TestRecipientRefusals: the Deliverer's refusal at RCPT reaches the sender
// with its codes and the recipient; a recipient at another domain is
// refused by the server itself; nothing is delivered either time.
func TestRecipientRefusals(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	b.inbox.rcptErr = func(rcpt string) error {
		if strings.HasPrefix(rcpt, "nobody@") {
			return &RejectError{Code: 550, Enhanced: "5.1.1", Text: "No such mailbox"}
		}
		if strings.HasPrefix(rcpt, "busy@") {
			return errors.New("database unavailable")
		}
		return nil
	}
	f.serve(t, b, nil)
	c := f.client(a)
	from := "hans.meier@a.siegel.test"
	send := func(rcpts ...string) error {
		return c.Send(t.Context(), b.domain, from, rcpts, message(from, rcpts[0]))
	}
	rej := wantReject(t, send("erika@b.siegel.test", "nobody@b.siegel.test"), 550, "5.1.1")
	if rej.Rcpt != "nobody@b.siegel.test" || rej.Text != "No such mailbox" {
		t.Errorf("refusal: %+v", rej)
	}
	rej = wantReject(t, send("erika@c.siegel.test"), 550, "5.1.2")
	if !strings.Contains(rej.Text, "c.siegel.test") || !strings.Contains(rej.Text, "b.siegel.test") {
		t.Errorf("refusal of another domain's recipient: %q", rej.Text)
	}
	err := send("busy@b.siegel.test")
	wantTemporary(t, err)
	if !strings.Contains(err.Error(), "451") || strings.Contains(err.Error(), "database") {
		t.Errorf("temporary refusal: %v, want 451 without our internals", err)
	}
	if n := len(b.inbox.messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}

// TestDeliveryErrors: a Deliverer's temporary error is 451 and a temporary
// error at the client; its refusal is the 5xx it chose.
func TestDeliveryErrors(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	c := f.client(a)
	from, to := "hans.meier@a.siegel.test", "erika@b.siegel.test"
	b.inbox.mu.Lock()
	b.inbox.deliverErr = errors.New("disk full")
	b.inbox.mu.Unlock()
	err := c.Send(t.Context(), b.domain, from, []string{to}, message(from, to))
	wantTemporary(t, err)
	if !strings.Contains(err.Error(), "451") {
		t.Errorf("got %v, want the peer's 451", err)
	}
	// A full disk is as temporary, and says so (452 4.3.1).
	b.inbox.mu.Lock()
	b.inbox.deliverErr = fmt.Errorf("store blob: %w", syscall.ENOSPC)
	b.inbox.mu.Unlock()
	err = c.Send(t.Context(), b.domain, from, []string{to}, message(from, to))
	wantTemporary(t, err)
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != 452 || se.EnhancedCode != (smtp.EnhancedCode{4, 3, 1}) || strings.Contains(err.Error(), "blob") {
		t.Errorf("got %v, want the peer's 452 4.3.1 without our internals", err)
	}
	b.inbox.mu.Lock()
	b.inbox.deliverErr = fmt.Errorf("scan: %w", &RejectError{Code: 554, Enhanced: "5.6.0", Text: "Malformed\r\nmessage"})
	b.inbox.mu.Unlock()
	rej := wantReject(t, c.Send(t.Context(), b.domain, from, []string{to}, message(from, to)), 554, "5.6.0")
	if rej.Text != "Malformed message" || rej.Rcpt != "" {
		t.Errorf("refusal: %+v", rej)
	}
}

// TestHandshakeRefusesStrangers: a client without a certificate (normal
// internet mail), with a certificate of another authority for a listed
// domain, or with a listed provider's certificate but not its key, never
// gets the greeting; nothing is delivered.
func TestHandshakeRefusesStrangers(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	other, err := pki.Init(filepath.Join(f.dir, "other"), "Falsche Behörde", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	forged := f.issue(t, other, "a", false) // a.siegel.test, by the wrong root
	for _, v := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		for _, tc := range []struct {
			name  string
			certs []tls.Certificate
		}{
			{"no certificate", nil},
			{"another authority", []tls.Certificate{forged.cert}},
		} {
			line, err := speak(b.addr, tc.certs, v)
			if err == nil || strings.HasPrefix(line, "2") {
				t.Errorf("%s, TLS %x: got %q, %v; want no greeting", tc.name, v, line, err)
			}
		}
	}
	// The same through the Client: the peer refuses it, for now.
	c := f.client(a)
	c.Cert = forged.cert
	wantTemporary(t, c.Send(t.Context(), b.domain, "x@a.siegel.test", []string{"y@b.siegel.test"}, []byte("x\r\n")))
	// The client is fine with a cert of its own: the server's answer is
	// what keeps it out.
	if line, err := speak(b.addr, []tls.Certificate{a.cert}, tls.VersionTLS13); err != nil || !strings.HasPrefix(line, "220 b.siegel.test") {
		t.Fatalf("provider A: %q, %v; want the greeting", line, err)
	}
	if n := len(b.inbox.messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
	if log := f.log.String(); !strings.Contains(log, "does not verify against the authority's root") {
		t.Errorf("the log does not say why the certificate was refused:\n%s", log)
	}
}

// TestSenderMustBeAtPeer: provider A may send only mail from a.siegel.test.
func TestSenderMustBeAtPeer(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	c := f.client(a)
	for _, from := range []string{"erika@b.siegel.test", "chef@c.siegel.test", "someone@gmail.example", ""} {
		err := c.Send(t.Context(), b.domain, from, []string{"erika@b.siegel.test"}, []byte("Subject: x\r\n\r\nx\r\n"))
		rej := wantReject(t, err, 550, "5.7.1")
		if !strings.Contains(rej.Text, "a.siegel.test") || (from != "" && !strings.Contains(rej.Text, from[strings.IndexByte(from, '@')+1:])) {
			t.Errorf("from %q: %q does not name both domains", from, rej.Text)
		}
	}
	if n := len(b.inbox.messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
	// Case does not matter in a domain.
	if err := c.Send(t.Context(), b.domain, "Hans@A.Siegel.Test", []string{"erika@B.SIEGEL.test"}, []byte("x\r\n")); err != nil {
		t.Fatal(err)
	}
}

// TestRevokedPeer: once the list no longer names A, A is refused at the
// handshake, and a connection A opened before (or kept open for the next
// message) is closed at its next MAIL with 421: try again later, as the
// handshake's refusal says too.
func TestRevokedPeer(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	c := f.client(a)
	from, to := "hans@a.siegel.test", "erika@b.siegel.test"
	if err := c.Send(t.Context(), b.domain, from, []string{to}, message(from, to)); err != nil {
		t.Fatal(err)
	}
	open := rawClient(t, b.addr, a) // in before the revocation
	if _, err := f.auth.Revoke(a.domain, "Akkreditierung widerrufen", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	f.resign(t)
	wantTemporary(t, c.Send(t.Context(), b.domain, from, []string{to}, message(from, to)))
	if line, err := speak(b.addr, []tls.Certificate{a.cert}, tls.VersionTLS13); err == nil || strings.HasPrefix(line, "2") {
		t.Errorf("revoked A: got %q, %v; want no greeting", line, err)
	}
	wantSMTP(t, open.Mail(from, nil), 421, smtp.EnhancedCode{4, 7, 1})
	if n := len(b.inbox.messages()); n != 1 {
		t.Fatalf("%d messages delivered, want the one before the revocation", n)
	}
	if log := f.log.String(); !strings.Contains(log, "was revoked at") || !strings.Contains(log, "Akkreditierung widerrufen") {
		t.Errorf("the log does not say the certificate was revoked:\n%s", log)
	}
}

// TestSizeLimit: the server advertises its limit (RFC 1870), refuses a
// declared size above it at MAIL and an undeclared one at the end of DATA,
// both with 552 5.3.4.
func TestSizeLimit(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, func(s *Server) { s.MaxMessageBytes = 1000 })
	from, to := "hans@a.siegel.test", "erika@b.siegel.test"
	big := bytes.Repeat([]byte("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz\r\n"), 20)
	c := f.client(a)
	wantReject(t, c.Send(t.Context(), b.domain, from, []string{to}, big), 552, "5.3.4")
	if err := c.Send(t.Context(), b.domain, from, []string{to}, big[:740]); err != nil {
		t.Fatalf("a message under the limit: %v", err)
	}

	sc := rawClient(t, b.addr, a)
	if ok, size := sc.Extension("SIZE"); !ok || size != "1000" {
		t.Errorf("SIZE %v %q, want 1000", ok, size)
	}
	for _, ext := range []string{"STARTTLS", "AUTH"} {
		if ok, _ := sc.Extension(ext); ok {
			t.Errorf("the server offers %s", ext)
		}
	}
	if err := sc.Mail(from, nil); err != nil { // no SIZE=
		t.Fatal(err)
	}
	if err := sc.Rcpt(to, nil); err != nil {
		t.Fatal(err)
	}
	w, err := sc.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write(big)
	wantSMTP(t, w.Close(), 552, smtp.EnhancedCode{5, 3, 4})
	if n := len(b.inbox.messages()); n != 1 {
		t.Fatalf("%d messages delivered, want only the small one", n)
	}
}

// TestRecipientLimit: the 101st recipient gets 452 4.5.3 (RFC 5321
// §4.5.3.1.10), the first 100 get the message; Send refuses more than 100
// before it connects.
func TestRecipientLimit(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	f.serve(t, b, nil)
	from := "hans@a.siegel.test"
	var rcpts []string
	for i := range MaxRecipients + 1 {
		rcpts = append(rcpts, fmt.Sprintf("user.%d@b.siegel.test", i))
	}
	sc := rawClient(t, b.addr, a)
	if err := sc.Mail(from, nil); err != nil {
		t.Fatal(err)
	}
	for i, r := range rcpts {
		err := sc.Rcpt(r, nil)
		if i < MaxRecipients && err != nil {
			t.Fatalf("recipient %d: %v", i+1, err)
		}
		if i == MaxRecipients {
			wantSMTP(t, err, 452, smtp.EnhancedCode{4, 5, 3})
		}
	}
	w, err := sc.Data()
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("Subject: an alle\r\n\r\nx\r\n"))
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := b.inbox.messages(); len(got) != 1 || len(got[0].rcpts) != MaxRecipients {
		t.Fatalf("delivered %+v, want one message to %d recipients", got, MaxRecipients)
	}
	dialed := false
	c := f.client(a)
	c.Dial = func(context.Context, string, string) (net.Conn, error) { dialed = true; return nil, errors.New("no") }
	if err := c.Send(t.Context(), b.domain, from, rcpts, []byte("x\r\n")); !errors.Is(err, ErrTooManyRecipients) || dialed {
		t.Fatalf("Send to %d: %v, dialed %v", len(rcpts), err, dialed)
	}
}

// blockingInbox holds every delivery until its context ends.
type blockingInbox struct {
	inbox
	entered  chan struct{}
	returned atomic.Bool
}

func (b *blockingInbox) Deliver(ctx context.Context, _ pki.Provider, _ string, _ []string, _ []byte) error {
	close(b.entered)
	<-ctx.Done()
	time.Sleep(50 * time.Millisecond) // a store that takes a moment to give up
	b.returned.Store(true)
	return ctx.Err()
}

// TestServeStops: when its context ends, Serve closes the listener and the
// idle connections, ends the delivery under way through its context, and
// returns only after that delivery has returned.
func TestServeStops(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b := f.node["a"], f.node["b"]
	slow := &blockingInbox{entered: make(chan struct{})}
	stop := f.serve(t, b, func(s *Server) { s.Deliver = slow })
	idle := rawClient(t, b.addr, a)
	sent := make(chan error, 1)
	go func() {
		sent <- f.client(a).Send(context.Background(), b.domain, "hans@a.siegel.test", []string{"erika@b.siegel.test"}, []byte("x\r\n"))
	}()
	select {
	case <-slow.entered:
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery did not start")
	}
	start := time.Now()
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	// Well below the server's 10 s timeout: no session was waited out.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Serve took %v to stop", d)
	}
	if !slow.returned.Load() {
		t.Error("Serve returned before the delivery under way")
	}
	wantTemporary(t, <-sent)
	if err := idle.Noop(); err == nil {
		t.Error("an idle connection is still open")
	}
	if c, err := net.DialTimeout("tcp", b.addr, time.Second); err == nil {
		c.Close()
		t.Error("the listener still accepts")
	}
}

// TestServerSettings: Serve refuses incomplete settings and closes the
// listener it was given.
func TestServerSettings(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	b := f.node["b"]
	s := &Server{Domain: b.domain, Cert: b.cert, Root: f.auth.Root, Trust: f.trust, Clock: f.clock}
	if err := s.Serve(t.Context(), b.ln); err == nil || !strings.Contains(err.Error(), "Deliver") {
		t.Fatalf("Serve without a Deliverer: %v", err)
	}
	if _, err := b.ln.Accept(); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("the listener is still open: %v", err)
	}
}

// TestSwaks: swaks, an ordinary SMTP test client, speaking implicit TLS
// without a client certificate, is normal internet mail and gets nowhere.
func TestSwaks(t *testing.T) {
	t.Parallel()
	path, err := exec.LookPath("swaks")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("swaks is not installed (Debian package swaks); CI must run this test")
		}
		t.Skip("swaks is not installed (Debian package swaks): skipping the check with a real SMTP client")
	}
	f := newFed(t)
	b := f.node["b"]
	f.serve(t, b, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, path, "--to", "x@b.siegel.test", "--from", "someone@mail.example",
		"--server", b.addr, "--tls-on-connect", "--timeout", "10").CombinedOutput()
	if err == nil {
		t.Fatalf("swaks got through:\n%s", out)
	}
	if bytes.Contains(out, []byte("\n<~  250 ")) || bytes.Contains(out, []byte("<~  220 ")) {
		t.Fatalf("swaks got an SMTP greeting:\n%s", out)
	}
	t.Logf("swaks, refused as it should be (%v):\n%s", err, out)
	if n := len(b.inbox.messages()); n != 0 {
		t.Fatalf("%d messages delivered", n)
	}
}
