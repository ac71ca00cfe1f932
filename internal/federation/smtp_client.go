package federation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
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
	conn, err := c.connect(ctx, p, list, timeout)
	if err != nil {
		return err
	}
	// Ending ctx ends the connection, and so whatever waits on it.
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	defer conn.Close()
	err = c.transact(conn, timeout, from, rcpts, msg)
	var rej *RejectError
	switch {
	case errors.As(err, &rej):
		log.Info("federation: message refused", "peer", p.Domain, "from", from, "err", rej)
		return rej // as it is, so that a type switch finds it too
	case err != nil && ctx.Err() != nil:
		return fmt.Errorf("federation: send to %s at %s: %w (%v)", p.Domain, p.SMTP, ctx.Err(), err)
	case err != nil:
		return fmt.Errorf("federation: send to %s at %s: %w", p.Domain, p.SMTP, err)
	}
	log.Info("federation: message sent", "peer", p.Domain, "from", from, "rcpts", len(rcpts), "bytes", len(msg))
	return nil
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
func (c *Client) connect(ctx context.Context, p pki.Provider, list *pki.TrustList, timeout time.Duration) (net.Conn, error) {
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

// transact runs one SMTP transaction: EHLO, MAIL, RCPT for each recipient,
// DATA (RFC 5321 §3.3), then QUIT.
func (c *Client) transact(conn net.Conn, timeout time.Duration, from string, rcpts []string, msg []byte) error {
	sc := smtp.NewClient(writeDeadline{Conn: conn, timeout: timeout})
	sc.CommandTimeout, sc.SubmissionTimeout = timeout, timeout
	defer sc.Close()
	if err := sc.Hello(c.Domain); err != nil {
		return classify(err, "")
	}
	// SIZE lets the peer refuse a message too large before it is sent
	// (RFC 1870 §5).
	if err := sc.Mail(from, &smtp.MailOptions{Size: int64(len(msg))}); err != nil {
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
	if err := w.Close(); err != nil {
		return classify(err, "")
	}
	// The message is the peer's now; a failed QUIT changes nothing
	// (RFC 5321 §4.1.1.10).
	sc.Quit()
	return nil
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
