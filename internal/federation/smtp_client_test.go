package federation

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
)

// redirect is a Dial that sends every connection for from to to instead,
// as a poisoned resolver or a hijacked route would.
func redirect(from, to string) func(context.Context, string, string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr == from {
			addr = to
		}
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}
}

// TestClientRefusesWrongServer: sending to B, the client refuses a server
// that shows C's valid certificate, and one that shows a certificate for
// b.siegel.test from another authority; neither gets the message.
func TestClientRefusesWrongServer(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	a, b, c := f.node["a"], f.node["b"], f.node["c"]
	f.serve(t, c, nil)
	other, err := pki.Init(filepath.Join(f.dir, "other"), "Falsche Behörde", f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	impostor := f.issue(t, other, "b", false)
	f.serve(t, impostor, nil) // its checks use our list, which does not matter here
	from, to := "hans@a.siegel.test", "erika@b.siegel.test"
	for _, tc := range []struct {
		name, addr, want string
	}{
		{"provider C", c.addr, "c.siegel.test answered"},
		{"another authority's b.siegel.test", impostor.addr, "does not verify against the authority's root"},
	} {
		cl := f.client(a)
		cl.Dial = redirect(b.addr, tc.addr)
		err := cl.Send(t.Context(), b.domain, from, []string{to}, message(from, to))
		wantTemporary(t, err)
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	if n := len(c.inbox.messages()) + len(impostor.inbox.messages()); n != 0 {
		t.Fatalf("%d messages went to the wrong server", n)
	}
}

// TestClientUnknownDomain: a domain the list does not name, or names
// without an SMTP endpoint, is refused for good, without a connection.
func TestClientUnknownDomain(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	f.issue(t, f.auth, "d", false) // issued, endpoints not recorded
	f.resign(t)
	if p, ok := func() (pki.Provider, bool) { l, _ := f.trust.Current(); return l.Lookup("d.siegel.test") }(); !ok || p.SMTP != "" {
		t.Fatalf("d.siegel.test on the list: %+v %v, want it without an SMTP endpoint", p, ok)
	}
	c := f.client(f.node["a"])
	dialed := 0
	c.Dial = func(context.Context, string, string) (net.Conn, error) { dialed++; return nil, errors.New("no") }
	for _, d := range []string{"x.siegel.test", "gmail.example", "d.siegel.test", "not a domain"} {
		rej := wantReject(t, c.Send(t.Context(), d, "hans@a.siegel.test", []string{"x@" + d}, []byte("x\r\n")), 550, "5.1.2")
		if !strings.Contains(rej.Text, "not an accredited provider") {
			t.Errorf("%s: %q", d, rej.Text)
		}
	}
	if dialed != 0 {
		t.Fatalf("dialed %d times", dialed)
	}
}

// TestClientNoList: without a trust list the client sends nothing, and
// says so as a temporary error.
func TestClientNoList(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	c := f.client(f.node["a"])
	c.Trust = &fakeTrust{}
	err := c.Send(t.Context(), "b.siegel.test", "hans@a.siegel.test", []string{"x@b.siegel.test"}, []byte("x\r\n"))
	wantTemporary(t, err)
	if !strings.Contains(err.Error(), "no trust list") {
		t.Fatalf("got %v", err)
	}
}

// TestClientContext: a peer that completes the handshake and then never
// answers holds Send only until its context ends.
func TestClientContext(t *testing.T) {
	t.Parallel()
	f := newFed(t)
	b := f.node["b"]
	go func() { // B's listener, with a server that says nothing
		conn, err := b.ln.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		tc := tls.Server(conn, &tls.Config{Certificates: []tls.Certificate{b.cert}, ClientAuth: tls.RequireAnyClientCert})
		if tc.Handshake() == nil {
			io.Copy(io.Discard, tc) // until the client hangs up
		}
	}()
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := f.client(f.node["a"]).Send(ctx, b.domain, "hans@a.siegel.test", []string{"x@b.siegel.test"}, []byte("x\r\n"))
	wantTemporary(t, err)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("after %v: %v, want the context's deadline", time.Since(start), err)
	}
}
