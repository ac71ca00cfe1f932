package relay_test

import (
	"context"
	"crypto/tls"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/pki"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// fault is what the proxy does to one connection, by its number.
type fault func(n int) (cutAfter, muteAfter int64)

// proxy stands between A and B on loopback and spoils connections as told:
// it cuts a connection after cutAfter bytes from A (0: never), or stops
// passing B's replies on after muteAfter bytes from A (0: never), so that A
// waits for a reply that never comes.
type proxy struct {
	ln    net.Listener
	to    string
	fault fault
	conns atomic.Int32
}

func newProxy(t *testing.T, to string, f fault) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, to: to, fault: f}
	t.Cleanup(func() { ln.Close() })
	go p.serve()
	return p
}

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		cut, mute := p.fault(int(p.conns.Add(1)))
		go p.pipe(c, cut, mute)
	}
}

func (p *proxy) pipe(c net.Conn, cut, mute int64) {
	defer c.Close()
	s, err := net.Dial("tcp", p.to)
	if err != nil {
		return
	}
	defer s.Close()
	var sent atomic.Int64
	var wg sync.WaitGroup
	wg.Go(func() { // A to B
		defer s.Close()
		buf := make([]byte, 512)
		for {
			n, err := c.Read(buf)
			if n > 0 {
				if cut > 0 && sent.Load()+int64(n) > cut {
					s.Write(buf[:cut-sent.Load()])
					return // cut: both ends closed
				}
				sent.Add(int64(n))
				if _, err := s.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	})
	wg.Go(func() { // B to A
		defer c.Close()
		buf := make([]byte, 512)
		for {
			n, err := s.Read(buf)
			if n > 0 && (mute == 0 || sent.Load() < mute) {
				if _, err := c.Write(buf[:n]); err != nil {
					return
				}
			}
			if err != nil {
				io.Copy(io.Discard, s)
				return
			}
		}
	})
	wg.Wait()
}

// viaProxy makes A hand over through p, with a short reply timeout.
func viaProxy(t *testing.T, f *fed, p *proxy) {
	e := f.a
	pair, err := tls.LoadX509KeyPair(filepath.Join(e.Dir, e.P.Config.TLS.CertFile), filepath.Join(e.Dir, e.P.Config.TLS.KeyFile))
	if err != nil {
		t.Fatal(err)
	}
	root, err := pki.ReadCertPEM(f.RootCert)
	if err != nil {
		t.Fatal(err)
	}
	c := &federation.Client{Domain: e.Domain, Cert: pair, Root: root, Trust: e.P.Trust, Clock: f.Clock,
		Timeout: 2 * time.Second, Log: slog.New(slog.DiscardHandler),
		Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, p.ln.Addr().String())
		}}
	e.P.Relay.Send = c.Send
}

// TestFederationNetworkFaults: a connection cut in the middle of DATA, and
// B's reply to the DATA lost (B stored the letter, A never hears so): each
// time A tries again, and the letter arrives once with one receipt.
func TestFederationNetworkFaults(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name  string
		fault fault
	}{
		// The letter is about 10 KB on the wire, after some 2 KB of TLS
		// handshake and SMTP commands.
		{"cut in DATA", func(n int) (int64, int64) {
			if n == 1 {
				return 6000, 0
			}
			return 0, 0
		}},
		{"reply lost", func(n int) (int64, int64) {
			if n == 1 {
				return 0, 9000
			}
			return 0, 0
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFed(t)
			ctx := t.Context()
			city := f.a.Open(pt.OrgApp("authority", "Stadt Störung", true), true)
			erika := f.b.Open(pt.PersonApp("Erika", "Störung"), true)
			p := newProxy(t, f.b.SMTPAddr, c.fault)
			viaProxy(t, f, p)
			sent, err := city.High().Send(ctx, &api.SendRequest{To: []string{erika.Address}, Subject: "Gestört",
				Text: fill(6000), ReceiptConfirmation: true, DispatchConfirmation: true})
			if err != nil {
				t.Fatal(err)
			}
			f.settle(t)
			// The first attempt failed, after B stored the letter only
			// when B's reply was what got lost.
			want := map[string]int{"cut in DATA": 0, "reply lost": 1}[c.name]
			if got := len(inbox(t, login(t, f.b, erika, false), "inbox", "Gestört")); got != want || p.conns.Load() != 1 {
				t.Fatalf("after the first attempt: %d copies at B (want %d), %d connections", got, want, p.conns.Load())
			}
			q, err := f.a.Operator.Queue(ctx, "relay", true, 10, "")
			if err != nil || len(q.Jobs) != 1 {
				t.Fatalf("A's failing handovers: %v %+v", err, q)
			}
			t.Logf("the first attempt: %s", q.Jobs[0].LastError)
			f.Clock.Advance(time.Minute)
			f.settle(t)
			if p.conns.Load() != 2 {
				t.Errorf("connections: %d, want 2", p.conns.Load())
			}
			cityC := login(t, f.a, city, true)
			wantNames(t, events(t, cityC, sent.ID), "SubmissionAcceptance", "RelayAcceptance", "ContentConsignment")
			if n := len(inbox(t, login(t, f.b, erika, false), "inbox", "Gestört")); n != 1 {
				t.Fatalf("copies at B: %d, want 1", n)
			}
		})
	}
}

func fill(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = "Bescheid über die Grundsteuer. "[i%31]
	}
	return string(b)
}
