package chaos

import (
	"fmt"
	"math/rand/v2"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The network faults between the providers come from a TCP proxy in front
// of each provider's federation listener: the trust list names the proxy as
// the provider's SMTP endpoint, so that every connection of its peer (A's
// handovers to B, B's confirmations back to A) passes through it. The
// providers speak TLS with mutual authentication end to end; the proxy
// only forwards bytes, and breaks connections the way networks do.

// faultKind is what the proxy does to one connection, once its trigger
// (a number of bytes, or of the server's writes, passed) is reached.
type faultKind int

const (
	noFault faultKind = iota
	// reset: both ends get a TCP reset (RST), as from a firewall or a NAT
	// that lost its state.
	reset
	// cut: the connection is closed (FIN) both ways after n bytes from the
	// client: within the handshake, a command, or a message's DATA.
	cut
	// stall: nothing passes either way for hold, then everything does
	// again: a route that drops packets for a while.
	stall
	// slowReply: the server's writes past the n-th are held for hold,
	// longer than the providers' timeout, then delivered: the client has
	// given up on a reply (perhaps the 250 to a message the server has
	// stored, so that the client sends it again).
	slowReply
	faultKinds
)

var faultNames = [faultKinds]string{"none", "reset", "cut", "stall", "reply delay"}

func (k faultKind) String() string { return faultNames[k] }

// faultPlan is one connection's fault: which, after how many bytes (for
// cut, from the client; for slowReply, writes of the server; otherwise
// bytes either way), and for how long the bytes are held.
type faultPlan struct {
	kind faultKind
	n    int64
	hold time.Duration
}

// planFault draws the next connection's fault. Four in five connections
// get one. Half of the byte triggers fall in the first 6 KiB (the TLS handshake,
// the greeting, the envelope of the first messages), half further on, where
// the bodies are (a letter with its 80 KiB attachment is about 150 KiB on
// the wire): a cut there is a cut in the middle of DATA.
func planFault(rng *rand.Rand, timeout time.Duration) faultPlan {
	if rng.IntN(5) == 0 {
		return faultPlan{kind: noFault}
	}
	p := faultPlan{kind: faultKind(1 + rng.IntN(int(faultKinds)-1))}
	if rng.IntN(2) == 0 {
		p.n = rng.Int64N(6 << 10)
	} else {
		p.n = 6<<10 + rng.Int64N(250<<10)
	}
	switch p.kind {
	case stall: // shorter or longer than the timeout
		p.hold = timeout/2 + time.Duration(rng.Int64N(int64(3*timeout/2)))
	case slowReply: // always past it
		// n counts the server's writes: its part of the TLS handshake,
		// the greeting, the answer to EHLO, then four replies to each
		// message (MAIL, RCPT, DATA, and the 250 that takes it over).
		// Most fall among the replies of the first three messages.
		p.n = rng.Int64N(16)
		p.hold = timeout + timeout/4 + time.Duration(rng.Int64N(int64(timeout)))
	}
	return p
}

// proxy forwards connections from its listener to target, each with the
// fault its seeded schedule draws for it, in the order they come.
type proxy struct {
	name    string // which way: "A→B" is A's connections to B
	addr    string
	target  string
	timeout time.Duration
	ln      net.Listener
	rng     *rand.Rand // drawn from by the accept loop only
	healed  atomic.Bool
	closing chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	conns   map[net.Conn]bool
	// What it did: connections, and faults that triggered, by kind.
	accepted atomic.Int64
	injected [faultKinds]atomic.Int64
}

// newProxy listens on a free loopback port for connections to target. Its
// schedule is drawn from seed and id, so that a replay with the same seed
// gives each connection, in the order they come, the same fault.
func newProxy(t testing.TB, id int, name, target string, seed uint64, timeout time.Duration) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{name: name, addr: ln.Addr().String(), target: target, timeout: timeout, ln: ln,
		rng: rand.New(rand.NewPCG(seed, 0x9e7+uint64(id))), closing: make(chan struct{}), conns: map[net.Conn]bool{}}
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// heal ends the faults: connections from now on pass untouched, and the
// faults planned for open ones do not trigger (a stall in progress runs
// out).
func (p *proxy) heal() { p.healed.Store(true) }

// close stops the proxy and ends every connection through it.
func (p *proxy) close() {
	select {
	case <-p.closing:
		return
	default:
	}
	close(p.closing)
	p.ln.Close()
	p.mu.Lock()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// summary is what the proxy did, for the log and the result.
func (p *proxy) summary() string {
	s := fmt.Sprintf("%s: %d connections", p.name, p.accepted.Load())
	for k := reset; k < faultKinds; k++ {
		s += fmt.Sprintf(", %s %d", k, p.injected[k].Load())
	}
	return s
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return // closed
		}
		p.accepted.Add(1)
		plan := planFault(p.rng, p.timeout)
		if p.healed.Load() {
			plan = faultPlan{kind: noFault}
		}
		p.wg.Go(func() { p.serve(c.(*net.TCPConn), plan) })
	}
}

// track keeps c to be closed with the proxy; false when it is closing.
func (p *proxy) track(c net.Conn, keep bool) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !keep {
		delete(p.conns, c)
		return true
	}
	select {
	case <-p.closing:
		return false
	default:
	}
	p.conns[c] = true
	return true
}

// link is one connection through the proxy: the client's end, the
// server's, and the fault that waits for it.
type link struct {
	p              *proxy
	client, server *net.TCPConn
	plan           faultPlan
	fired          atomic.Bool
	total          atomic.Int64 // bytes passed either way
	mu             sync.Mutex
	heldUntil      time.Time // a stall: nothing passes before
	replies        int64     // pieces read from the server so far (its pump's)
}

func (p *proxy) serve(client *net.TCPConn, plan faultPlan) {
	d := net.Dialer{Timeout: 10 * time.Second}
	sc, err := d.Dial("tcp", p.target)
	if err != nil {
		client.Close() // the provider is down: as a refused connection
		return
	}
	server := sc.(*net.TCPConn)
	if !p.track(client, true) || !p.track(server, true) {
		client.Close()
		server.Close()
		return
	}
	defer p.track(client, false)
	defer p.track(server, false)
	l := &link{p: p, client: client, server: server, plan: plan}
	var wg sync.WaitGroup
	wg.Go(func() { l.pump(client, server, true) })
	l.pump(server, client, false)
	wg.Wait()
}

// pump copies one direction until either end closes, then closes both: an
// SMTP session has no use for a half-closed connection.
func (l *link) pump(from, to *net.TCPConn, fromClient bool) {
	defer l.closeBoth(false)
	var sent int64 // this direction's bytes
	buf := make([]byte, 16<<10)
	for {
		n, err := from.Read(buf)
		if n > 0 {
			if !l.forward(to, buf[:n], &sent, fromClient) {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// forward writes b on to (sent: this way's bytes so far), and applies the
// connection's fault where b reaches its trigger. It returns false when the
// connection is over.
func (l *link) forward(to *net.TCPConn, b []byte, sent *int64, fromClient bool) bool {
	before := l.before(b, *sent, fromClient)
	if before < 0 {
		return l.write(to, b, sent)
	}
	if !l.write(to, b[:before], sent) {
		return false
	}
	if !l.fired.CompareAndSwap(false, true) {
		return l.write(to, b[before:], sent) // the other way fired it meanwhile
	}
	pl := l.plan
	l.p.injected[pl.kind].Add(1)
	switch pl.kind {
	case reset:
		l.closeBoth(true)
		return false
	case cut:
		return false // pump closes both
	case stall:
		l.mu.Lock()
		l.heldUntil = time.Now().Add(pl.hold)
		l.mu.Unlock()
	case slowReply:
		if !l.sleep(pl.hold) {
			return false
		}
	}
	return l.write(to, b[before:], sent)
}

// before is how many of b's bytes pass before the connection's fault, or
// -1 when b does not reach it (or the fault is not this way's).
func (l *link) before(b []byte, sent int64, fromClient bool) int {
	pl := l.plan
	if pl.kind == noFault || l.fired.Load() || l.p.healed.Load() {
		return -1
	}
	var count int64
	switch {
	case pl.kind == slowReply && !fromClient:
		// Counted in the server's writes, not its bytes: each reply is
		// a TLS record of its own, read here in one piece.
		l.replies++
		if l.replies <= pl.n {
			return -1
		}
		return 0
	case pl.kind == cut && fromClient:
		count = sent
	case pl.kind == reset, pl.kind == stall:
		count = l.total.Load()
	default:
		return -1
	}
	if count+int64(len(b)) <= pl.n {
		return -1
	}
	return int(max(0, pl.n-count))
}

// write writes b after any stall in force.
func (l *link) write(to *net.TCPConn, b []byte, sent *int64) bool {
	if len(b) == 0 {
		return true
	}
	l.mu.Lock()
	until := l.heldUntil
	l.mu.Unlock()
	if d := time.Until(until); d > 0 && !l.sleep(d) {
		return false
	}
	n, err := to.Write(b)
	*sent += int64(n)
	l.total.Add(int64(n))
	return err == nil
}

// sleep waits d, or less when the proxy closes (false then).
func (l *link) sleep(d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-l.p.closing:
		return false
	}
}

// closeBoth ends both ends: with a reset (SO_LINGER 0), or a plain close.
func (l *link) closeBoth(rst bool) {
	for _, c := range []*net.TCPConn{l.client, l.server} {
		if rst {
			c.SetLinger(0)
		}
		c.Close() // the second time, by the other pump: net.ErrClosed
	}
}
