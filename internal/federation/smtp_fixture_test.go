package federation

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
)

// fed is a federation on loopback: one authority and providers a, b, c
// (a.siegel.test …), each accredited with an SMTP endpoint on a listener
// of its own, and a signed trust list that every node reads.
type fed struct {
	dir   string
	clock *clock.Fake
	auth  *pki.Authority
	trust *fakeTrust
	log   *syncBuffer
	node  map[string]*node // by short name: "a", "b", "c"
}

// node is one provider: its certificate, its listener and what it received.
type node struct {
	domain string
	cert   tls.Certificate
	ln     net.Listener
	addr   string
	inbox  *inbox
}

// fakeTrust is a Trust whose list the test sets.
type fakeTrust struct {
	mu sync.Mutex
	l  *pki.TrustList
}

func (f *fakeTrust) Current() (*pki.TrustList, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.l, f.l != nil
}

func (f *fakeTrust) set(l *pki.TrustList) {
	f.mu.Lock()
	f.l = l
	f.mu.Unlock()
}

// syncBuffer collects the log; the servers write from their goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newFed(t *testing.T) *fed {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	f := &fed{dir: t.TempDir(), clock: clock.NewFake(now), trust: &fakeTrust{}, log: &syncBuffer{}, node: map[string]*node{}}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("log:\n%s", f.log)
		}
	})
	var err error
	if f.auth, err = pki.Init(filepath.Join(f.dir, "authority"), "Testbehörde", now); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a", "b", "c"} {
		f.node[n] = f.issue(t, f.auth, n, true)
	}
	f.resign(t)
	return f
}

// issue makes provider name.siegel.test at auth, with a listener; accredit
// records its endpoints, so that it is on the next list.
func (f *fed) issue(t *testing.T, auth *pki.Authority, name string, accredit bool) *node {
	t.Helper()
	d := name + ".siegel.test"
	out := filepath.Join(t.TempDir(), name)
	if _, err := auth.Issue(d, "Provider "+strings.ToUpper(name), out, f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	cert, err := tls.LoadX509KeyPair(filepath.Join(out, pki.TLSCertFile), filepath.Join(out, pki.TLSKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	n := &node{domain: d, cert: cert, ln: ln, addr: ln.Addr().String(), inbox: &inbox{}}
	if accredit {
		if _, err := auth.Accredit(d, n.addr, "https://"+d, nil, nil, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	return n
}

// resign signs the registry as the next list, parses it as a relying
// party would, and gives it to every node.
func (f *fed) resign(t *testing.T) *pki.TrustList {
	t.Helper()
	der, _, err := f.auth.SignTrustList(f.clock.Now(), 24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	l, err := pki.ParseTrustList(der, f.auth.Root, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	f.trust.set(l)
	return l
}

func (f *fed) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(f.log, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// serve runs n's server on its listener until the test ends; change, if
// given, adjusts the settings first. The returned stop ends it and returns
// what Serve returned; it is safe to call again.
func (f *fed) serve(t *testing.T, n *node, change func(*Server)) (stop func() error) {
	t.Helper()
	s := &Server{Domain: n.domain, Cert: n.cert, Root: f.auth.Root, Trust: f.trust, Clock: f.clock,
		Log: f.logger(), Timeout: 10 * time.Second, Deliver: n.inbox}
	if change != nil {
		change(s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, n.ln) }()
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(20 * time.Second):
				err = errors.New("Serve did not return within 20 s of the cancel")
			}
		})
		return err
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return stop
}

// client is n's outbound client.
func (f *fed) client(n *node) *Client {
	return &Client{Domain: n.domain, Cert: n.cert, Root: f.auth.Root, Trust: f.trust, Clock: f.clock,
		Log: f.logger(), Timeout: 10 * time.Second}
}

// received is one message a Deliverer took.
type received struct {
	peer  string
	from  string
	rcpts []string
	msg   []byte
}

// inbox is a Deliverer that records; rcptErr and deliverErr, when set,
// decide its answers.
type inbox struct {
	mu         sync.Mutex
	got        []received
	checked    []string // recipients asked about, as "peer rcpt"
	rcptErr    func(rcpt string) error
	deliverErr error
}

func (b *inbox) CheckRecipient(_ context.Context, peer pki.Provider, rcpt string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.checked = append(b.checked, peer.Domain+" "+rcpt)
	if b.rcptErr != nil {
		return b.rcptErr(rcpt)
	}
	return nil
}

func (b *inbox) Deliver(_ context.Context, peer pki.Provider, from string, rcpts []string, msg []byte) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.deliverErr != nil {
		return b.deliverErr
	}
	b.got = append(b.got, received{peer: peer.Domain, from: from, rcpts: append([]string(nil), rcpts...),
		msg: append([]byte(nil), msg...)})
	return nil
}

func (b *inbox) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

// dialTLS opens a TLS connection to addr that presents certs (none: no
// client certificate) and checks nothing of the server, as any mail client
// on the internet might.
func dialTLS(addr string, certs []tls.Certificate, version uint16) (*tls.Conn, error) {
	d := &net.Dialer{Timeout: 5 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", addr, &tls.Config{Certificates: certs, InsecureSkipVerify: true,
		MinVersion: version, MaxVersion: version})
	if err != nil {
		return nil, err
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c, nil
}

// speak connects as dialTLS does, says EHLO and returns the first line the
// server sent, or why there was none.
func speak(addr string, certs []tls.Certificate, version uint16) (string, error) {
	c, err := dialTLS(addr, certs, version)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if _, err := c.Write([]byte("EHLO mail.example.com\r\n")); err != nil {
		return "", err
	}
	return bufio.NewReader(c).ReadString('\n')
}

// rawClient is a go-smtp client on a connection that presents n's
// certificate, for what Client.Send never sends.
func rawClient(t *testing.T, addr string, n *node) *smtp.Client {
	t.Helper()
	c, err := dialTLS(addr, []tls.Certificate{n.cert}, tls.VersionTLS13)
	if err != nil {
		t.Fatal(err)
	}
	sc := smtp.NewClient(c)
	t.Cleanup(func() { sc.Close() })
	if err := sc.Hello(n.domain); err != nil {
		t.Fatal(err)
	}
	return sc
}

// wantReject checks that err is a *RejectError with code and enhanced code.
func wantReject(t *testing.T, err error, code int, enhanced string) *RejectError {
	t.Helper()
	var rej *RejectError
	if !errors.As(err, &rej) {
		t.Fatalf("got %v (%T), want a *RejectError %d %s", err, err, code, enhanced)
	}
	if rej.Code != code || rej.Enhanced != enhanced {
		t.Fatalf("got %d %s %q, want %d %s", rej.Code, rej.Enhanced, rej.Text, code, enhanced)
	}
	return rej
}

// wantTemporary checks that err is an error and no *RejectError.
func wantTemporary(t *testing.T, err error) {
	t.Helper()
	var rej *RejectError
	if err == nil || errors.As(err, &rej) {
		t.Fatalf("got %v, want a temporary error", err)
	}
}

// wantSMTP checks that err is the reply code and enhanced code.
func wantSMTP(t *testing.T, err error, code int, enh smtp.EnhancedCode) {
	t.Helper()
	var se *smtp.SMTPError
	if !errors.As(err, &se) || se.Code != code || se.EnhancedCode != enh {
		t.Fatalf("got %v, want %d %v", err, code, enh)
	}
}

// message is an RFC 5322 message with CRLF line ends, a line that needs
// dot-stuffing (RFC 5321 §4.5.2) and 8-bit text, which travels unchanged.
func message(from, to string) []byte {
	return []byte("From: <" + from + ">\r\nTo: <" + to + ">\r\nSubject: Bescheid\r\n" +
		"X-de-mail-message-type: normal\r\n\r\nSehr geehrte Frau Müller,\r\n.\r\n..zwei Punkte\r\nEnde\r\n")
}
