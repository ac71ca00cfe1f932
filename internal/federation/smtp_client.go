package federation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
)

// ErrTooManyRecipients is Send's answer to more than MaxRecipients
// recipients: the caller splits them (RFC 5321 §4.5.3.1.8). It is neither
// a refusal by the peer nor worth trying again as it is.
var ErrTooManyRecipients = fmt.Errorf("federation: more than %d recipients in one message; send them in parts", MaxRecipients)

// Client sends mail to other accredited providers: it finds the receiving
// provider's SMTP endpoint on the signed trust list, never in DNS, and
// talks to it with implicit TLS and mutual authentication (TR BInfra-IO
// §2, §5; SPEC "Transport between providers").
type Client struct {
	Domain string          // ours, the name in EHLO (RFC 5321 §4.1.1.1)
	Cert   tls.Certificate // our TLS certificate and key, shown to the peer
	Root   *x509.Certificate
	Trust  Trust
	Clock  clock.Clock
	Log    *slog.Logger // nil: slog.Default()
	// Timeout bounds the connection and handshake, and each wait for a
	// reply or a write (0: DefaultTimeout).
	Timeout time.Duration
	// Dial opens the TCP connection (nil: a net.Dialer).
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// MaxIdle is how many connections per peer are kept open for the next
	// messages (0: DefaultMaxIdle; negative: none, one connection per
	// message); IdleTimeout closes one unused that long (0:
	// DefaultIdleTimeout).
	MaxIdle     int
	IdleTimeout time.Duration

	mu   sync.Mutex
	idle map[string][]*peerConn // by peer domain
}

// Send delivers msg from from to rcpts (1 to MaxRecipients, all at domain)
// at the provider of domain, over one connection of its own. It returns nil
// once the peer answered 250 to the message, and so took responsibility
// for it (RFC 5321 §4.2.5); a *RejectError when the peer refused it for
// good (5xx), or when domain is no accredited provider with an SMTP
// endpoint; and another error, to try again later, for everything else:
// 4xx, a peer that fails the checks, a connection that breaks, a timeout.
func (c *Client) Send(ctx context.Context, domain, from string, rcpts []string, msg []byte) error {
	if err := c.check(rcpts); err != nil {
		return err
	}
	log := c.Log
	if log == nil {
		log = slog.Default()
	}
	list, err := currentList(c.Trust, log)
	if err != nil {
		return err
	}
	p, ok := list.Lookup(domain)
	switch {
	case !ok:
		return &RejectError{Code: 550, Enhanced: "5.1.2", // RFC 3463 §3.2: bad destination system
			Text: fmt.Sprintf("%s is not an accredited provider (trust list no. %d)", domain, list.Sequence)}
	case p.SMTP == "":
		return &RejectError{Code: 550, Enhanced: "5.1.2",
			Text: fmt.Sprintf("%s is not an accredited provider with an SMTP endpoint (trust list no. %d)", domain, list.Sequence)}
	}
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	for {
		pc, err := c.session(ctx, p, list, timeout)
		if err != nil {
			return err
		}
		// Ending ctx ends the connection, and so whatever waits on it.
		stop := context.AfterFunc(ctx, func() { pc.tls.Close() })
		err = c.transact(pc, from, rcpts, msg)
		intact := stop()
		var rej *RejectError
		switch {
		case err == nil && intact:
			c.put(pc)
		case errors.As(err, &rej) && intact && pc.sc.Reset() == nil:
			c.put(pc) // a refusal leaves the session usable
		default:
			pc.close()
		}
		switch {
		case errors.As(err, &rej):
			log.Info("federation: message refused", "peer", p.Domain, "from", from, "err", rej)
			return rej // as it is, so that a type switch finds it too
		case errors.Is(err, errStale) && ctx.Err() == nil:
			// The peer closed a kept connection before this message
			// began: nothing of it was sent, so a fresh connection sends
			// it, not a retry much later.
			log.Debug("federation: a kept connection was closed by the peer; opening another", "peer", p.Domain)
			continue
		case err != nil && ctx.Err() != nil:
			return fmt.Errorf("federation: send to %s at %s: %w (%v)", p.Domain, p.SMTP, ctx.Err(), err)
		case err != nil:
			return fmt.Errorf("federation: send to %s at %s: %w", p.Domain, p.SMTP, err)
		}
		log.Info("federation: message sent", "peer", p.Domain, "from", from, "rcpts", len(rcpts), "bytes", len(msg),
			"reused", pc.reused)
		return nil
	}
}

// errStale marks a failure of the first command on a kept connection: the
// peer had closed it while it was idle.
var errStale = errors.New("federation: the kept connection was closed")

// session is a greeted session with p: a kept one, checked against the
// current list again, or a new one.
func (c *Client) session(ctx context.Context, p pki.Provider, list *pki.TrustList, timeout time.Duration) (*peerConn, error) {
	check := func(cs tls.ConnectionState) error {
		got, err := PeerOf(cs, c.Root, list, c.Clock.Now())
		if err == nil && got.Domain != p.Domain {
			err = fmt.Errorf("federation: %s answered at %s, not %s", got.Domain, p.SMTP, p.Domain)
		}
		return err
	}
	if pc := c.take(p.Domain, p.SMTP, check); pc != nil {
		pc.tls.SetDeadline(time.Time{})
		return pc, nil
	}
	conn, err := c.connect(ctx, p, list, timeout)
	if err != nil {
		return nil, err
	}
	sc := smtp.NewClient(writeDeadline{Conn: conn, timeout: timeout})
	sc.CommandTimeout, sc.SubmissionTimeout = timeout, timeout
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	err = sc.Hello(c.Domain)
	if !stop() && err == nil {
		err = ctx.Err()
	}
	if err != nil {
		sc.Close()
		conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("federation: send to %s at %s: %w (%v)", p.Domain, p.SMTP, ctx.Err(), err)
		}
		return nil, fmt.Errorf("federation: send to %s at %s: %w", p.Domain, p.SMTP, classify(err, ""))
	}
	return &peerConn{tls: conn, sc: sc, addr: p.SMTP, domain: p.Domain}, nil
}

// check checks the settings and the number of recipients.
func (c *Client) check(rcpts []string) error {
	switch {
	case len(c.Cert.Certificate) == 0 || c.Cert.PrivateKey == nil:
		return errors.New("federation: the client has no TLS certificate and key")
	case c.Root == nil || c.Trust == nil || c.Clock == nil:
		return errors.New("federation: the client needs Root, Trust and Clock")
	case c.Timeout < 0:
		return errors.New("federation: negative Timeout")
	case len(rcpts) == 0:
		return errors.New("federation: no recipients")
	case len(rcpts) > MaxRecipients:
		return ErrTooManyRecipients
	}
	if _, err := address.ParseDomain(c.Domain); err != nil {
		return fmt.Errorf("federation: client domain %q: %v", c.Domain, err)
	}
	return nil
}

// connect dials p's SMTP endpoint and completes the TLS handshake, in which
// the server must prove to be p: a valid certificate of any other provider
// is refused, so neither a wrong endpoint nor a redirected connection can
// take p's mail.
func (c *Client) connect(ctx context.Context, p pki.Provider, list *pki.TrustList, timeout time.Duration) (*tls.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	dial := c.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	raw, err := dial(ctx, "tcp", p.SMTP)
	if err != nil {
		return nil, fmt.Errorf("federation: connect to %s at %s: %w", p.Domain, p.SMTP, err)
	}
	cfg := &tls.Config{
		Certificates: []tls.Certificate{c.Cert},
		ServerName:   p.Domain,
		MinVersion:   tls.VersionTLS12, // TR BInfra-IO §4
		// The standard checks (a chain to the system roots, the host
		// name) are off because VerifyConnection's are stricter: the
		// exact certificate the list names for p, from the authority's
		// root. VerifyConnection runs all the same.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			got, err := PeerOf(cs, c.Root, list, c.Clock.Now())
			if err != nil {
				return err
			}
			if got.Domain != p.Domain {
				return fmt.Errorf("federation: %s answered at %s, not %s", got.Domain, p.SMTP, p.Domain)
			}
			return nil
		},
	}
	conn := tls.Client(raw, cfg)
	if err := conn.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, fmt.Errorf("federation: TLS with %s at %s: %w", p.Domain, p.SMTP, err)
	}
	return conn, nil
}

// transact runs one SMTP transaction on a greeted session: MAIL, RCPT for
// each recipient, DATA (RFC 5321 §3.3). The session stays open for the
// next one.
func (c *Client) transact(pc *peerConn, from string, rcpts []string, msg []byte) error {
	sc := pc.sc
	// SIZE lets the peer refuse a message too large before it is sent
	// (RFC 1870 §5).
	if err := sc.Mail(from, &smtp.MailOptions{Size: int64(len(msg))}); err != nil {
		// A kept session the peer ended while idle fails here: with the
		// 421 the peer sent on closing it (RFC 5321 §3.8), or with a
		// broken connection.
		var se *smtp.SMTPError
		if pc.reused && (!errors.As(err, &se) || se.Code == 421) {
			return fmt.Errorf("%w: %v", errStale, err)
		}
		return classify(err, "")
	}
	for _, r := range rcpts {
		if err := sc.Rcpt(r, nil); err != nil {
			return classify(err, r)
		}
	}
	w, err := sc.Data()
	if err != nil {
		return classify(err, "")
	}
	if _, err := w.Write(msg); err != nil {
		return classify(err, "")
	}
	// The 250 after the data: the message is the peer's now (RFC 5321
	// §4.2.5).
	return classify(w.Close(), "")
}

// classify keeps a 5xx reply as a *RejectError and everything else as a
// temporary error.
func classify(err error, rcpt string) error {
	var se *smtp.SMTPError
	if errors.As(err, &se) {
		if r := rejectOf(se, rcpt); r != nil {
			return r
		}
		if rcpt != "" {
			return fmt.Errorf("<%s>: %w", rcpt, err)
		}
	}
	return err
}

// writeDeadline bounds every write. go-smtp sets deadlines around commands
// and replies but not while it writes the message, where a peer that stops
// reading would hold the client for ever. Socket deadlines are wall-clock
// time, not the injected Clock, which is for the trust decisions.
type writeDeadline struct {
	net.Conn
	timeout time.Duration
}

func (w writeDeadline) Write(b []byte) (int, error) {
	if err := w.Conn.SetWriteDeadline(time.Now().Add(w.timeout)); err != nil {
		return 0, err
	}
	return w.Conn.Write(b)
}
