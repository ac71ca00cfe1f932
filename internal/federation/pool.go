package federation

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/emersion/go-smtp"
)

// Connections are kept open between messages to the same provider: RFC 5321
// §3.3 lets one session carry many transactions, and the TLS handshake with
// its certificate checks, not the message, is most of a small letter's cost
// (docs/performance.md).
const (
	// DefaultMaxIdle is how many idle connections the client keeps per peer.
	DefaultMaxIdle = 8
	// DefaultIdleTimeout closes a connection unused that long, well before
	// the peer's own timeout (RFC 5321 §4.5.3.2: five minutes) would.
	DefaultIdleTimeout = 30 * time.Second
)

// peerConn is one open, greeted session with a peer.
type peerConn struct {
	tls    *tls.Conn
	sc     *smtp.Client
	addr   string    // the endpoint it was opened to
	domain string    // the peer it proved to be
	used   time.Time // wall clock: when it last finished a transaction
	reused bool      // it carried a transaction before this one
}

func (pc *peerConn) close() {
	pc.sc.Close()
	pc.tls.Close()
}

// take returns an idle connection to the provider p, checked again against
// the current list (a revocation or a new certificate since it was opened
// ends it), or nil when there is none.
func (c *Client) take(p string, addr string, check func(tls.ConnectionState) error) *peerConn {
	c.mu.Lock()
	defer c.mu.Unlock()
	idle := c.idle[p]
	for len(idle) > 0 {
		pc := idle[len(idle)-1]
		idle = idle[:len(idle)-1]
		c.idle[p] = idle
		if time.Since(pc.used) > c.idleTimeout() || pc.addr != addr || check(pc.tls.ConnectionState()) != nil {
			go pc.close()
			continue
		}
		pc.reused = true
		return pc
	}
	return nil
}

// put keeps pc for the next message to its peer, or closes it when enough
// are kept.
func (c *Client) put(pc *peerConn) {
	if c.MaxIdle < 0 {
		pc.sc.Quit()
		pc.close()
		return
	}
	max := c.MaxIdle
	if max == 0 {
		max = DefaultMaxIdle
	}
	pc.used = time.Now()
	c.mu.Lock()
	if c.idle == nil {
		c.idle = map[string][]*peerConn{}
	}
	if len(c.idle[pc.domain]) < max {
		c.idle[pc.domain] = append(c.idle[pc.domain], pc)
		pc = nil
	}
	c.mu.Unlock()
	if pc != nil {
		pc.sc.Quit()
		pc.close()
	}
}

// CloseIdle ends every idle connection: at shutdown, politely (QUIT).
func (c *Client) CloseIdle() {
	c.mu.Lock()
	all := c.idle
	c.idle = nil
	c.mu.Unlock()
	for _, list := range all {
		for _, pc := range list {
			pc.tls.SetDeadline(time.Now().Add(time.Second))
			pc.sc.Quit()
			pc.close()
		}
	}
}

func (c *Client) idleTimeout() time.Duration {
	if c.IdleTimeout > 0 {
		return c.IdleTimeout
	}
	return DefaultIdleTimeout
}

var _ net.Conn = (*tls.Conn)(nil)
