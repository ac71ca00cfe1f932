package federation

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/store"
)

// Limits of SMTP between providers.
const (
	// MaxRecipients per transaction: the 100 that RFC 5321 §4.5.3.1.8
	// asks every server to take; a client with more sends them in
	// several transactions.
	MaxRecipients = 100
	// DefaultMaxMessageBytes is above the 45 MiB that providers must
	// exchange (SPEC "Dispatch options and confirmations"), with room for
	// the S/MIME and transfer encodings around the content.
	DefaultMaxMessageBytes = 64 << 20
	// DefaultTimeout is the server's wait for the next command and the
	// client's for a reply: the five minutes of RFC 5321 §4.5.3.2.
	DefaultTimeout = 5 * time.Minute
)

// Deliverer takes a message a peer sent. It returns nil when the message is
// stored durably (the server then answers 250), a *RejectError for a
// permanent refusal (5xx with the enhanced code and text), or another error
// for a temporary one (451).
type Deliverer interface {
	// CheckRecipient is asked at RCPT TO, with the same error convention.
	CheckRecipient(ctx context.Context, peer pki.Provider, rcpt string) error
	Deliver(ctx context.Context, peer pki.Provider, from string, rcpts []string, msg []byte) error
}

// Server receives mail from the other accredited providers: SMTP with
// implicit TLS on the TR's port 1465 and mutual authentication, where only
// a provider on the trust list gets past the handshake (TR BInfra-IO §2,
// Table 1; SPEC "Transport between providers"). There is no STARTTLS and
// no AUTH: the TLS client certificate is the authentication.
type Server struct {
	Domain string          // ours; RCPT TO must be at it
	Cert   tls.Certificate // our TLS certificate and key
	Root   *x509.Certificate
	Trust  Trust
	Clock  clock.Clock
	Log    *slog.Logger // nil: slog.Default()
	// MaxMessageBytes bounds one message (0: DefaultMaxMessageBytes).
	MaxMessageBytes int64
	// Timeout bounds each read and write, and each call to Deliver
	// (0: DefaultTimeout).
	Timeout time.Duration
	Deliver Deliverer
}

// Serve answers on ln, with implicit TLS, until ctx ends or ln fails; with
// incomplete settings it closes ln and returns an error at once. When
// ctx ends it closes the listener and every connection and returns nil once
// every session has ended; a delivery under way sees ctx end and, if it did
// not store the message, the peer gets no 250 and sends it again.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	cfg, err := s.config()
	if err != nil {
		ln.Close()
		return err
	}
	tl := &trackedListener{Listener: ln, conns: make(map[net.Conn]struct{})}
	srv := smtp.NewServer(&backend{cfg: cfg, ctx: ctx})
	srv.Domain = cfg.domain
	srv.MaxRecipients = MaxRecipients
	// Advertised as SIZE (RFC 1870). go-smtp's DATA reader refuses a
	// message of exactly this many bytes too, as it reads past the limit
	// to find the end; a byte's difference, which no sender notices.
	srv.MaxMessageBytes = cfg.maxBytes
	srv.ReadTimeout, srv.WriteTimeout = cfg.timeout, cfg.timeout
	srv.ErrorLog = smtpLog{cfg.log}
	// srv.TLSConfig stays nil: go-smtp offers STARTTLS only with one, and
	// the TLS here is implicit, below go-smtp.
	done := make(chan error, 1)
	go func() { done <- srv.Serve(tls.NewListener(tl, cfg.tlsConfig())) }()
	cfg.log.Info("federation: SMTP server listening", "addr", ln.Addr().String(), "domain", cfg.domain)
	// On the way out: close the listener and every connection, idle or
	// not, so that no session waits out its timeout; then, once go-smtp's
	// Serve has returned and can start no more, wait for the sessions.
	select {
	case <-ctx.Done():
		tl.closeAll()
		<-done
	case err = <-done:
		tl.closeAll()
		err = fmt.Errorf("federation: SMTP server: %w", err)
	}
	srv.Shutdown(context.Background())
	cfg.log.Info("federation: SMTP server stopped", "addr", ln.Addr().String())
	return err
}

// serverConfig is a Server's settings, checked, with the defaults filled in.
type serverConfig struct {
	domain   string
	cert     tls.Certificate
	root     *x509.Certificate
	trust    Trust
	clock    clock.Clock
	log      *slog.Logger
	maxBytes int64
	timeout  time.Duration
	deliver  Deliverer
}

func (s *Server) config() (*serverConfig, error) {
	d, err := address.ParseDomain(s.Domain)
	switch {
	case err != nil:
		return nil, fmt.Errorf("federation: server domain %q: %v", s.Domain, err)
	case len(s.Cert.Certificate) == 0 || s.Cert.PrivateKey == nil:
		return nil, errors.New("federation: the server has no TLS certificate and key")
	case s.Root == nil || s.Trust == nil || s.Clock == nil || s.Deliver == nil:
		return nil, errors.New("federation: the server needs Root, Trust, Clock and Deliver")
	case s.MaxMessageBytes < 0 || s.Timeout < 0:
		return nil, errors.New("federation: negative MaxMessageBytes or Timeout")
	}
	c := &serverConfig{domain: d, cert: s.Cert, root: s.Root, trust: s.Trust, clock: s.Clock, log: s.Log,
		maxBytes: s.MaxMessageBytes, timeout: s.Timeout, deliver: s.Deliver}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.maxBytes == 0 {
		c.maxBytes = DefaultMaxMessageBytes
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	return c, nil
}

// tlsConfig asks every client for a certificate and refuses, in the
// handshake, one that is not an accredited provider's: normal internet
// mail and providers off the list never reach SMTP (SPEC "Transport between
// providers"; TR BInfra-IO §2). The standard verification is off
// (RequireAnyClientCert) because the test is stricter than a chain:
// the exact certificate the current list names.
func (c *serverConfig) tlsConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{c.cert},
		ClientAuth:   tls.RequireAnyClientCert,
		MinVersion:   tls.VersionTLS12, // TR BInfra-IO §4
		VerifyConnection: func(cs tls.ConnectionState) error {
			_, err := c.peer(cs)
			return err
		},
	}
}

// peer is the provider at the other end, by the current list.
func (c *serverConfig) peer(cs tls.ConnectionState) (pki.Provider, error) {
	l, err := currentList(c.trust, c.log)
	if err != nil {
		return pki.Provider{}, err
	}
	return PeerOf(cs, c.root, l, c.clock.Now())
}

// backend makes a session for each connection that passed the handshake.
type backend struct {
	cfg *serverConfig
	ctx context.Context
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	cs, ok := c.TLSConnectionState()
	if !ok {
		return nil, &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 0}, Message: "TLS required"}
	}
	peer, err := b.cfg.peer(cs)
	if err != nil { // the list changed since the handshake
		return nil, notAccredited(err)
	}
	return &session{cfg: b.cfg, ctx: b.ctx, conn: c, peer: peer}, nil
}

// notAccredited is the reply to a peer that is not, or no longer, on the
// list (RFC 3463 §3.8: 5.7.1, delivery not authorized).
func notAccredited(err error) *smtp.SMTPError {
	return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: err.Error()}
}

// session is one peer's SMTP session. go-smtp calls its methods from the
// connection's goroutine, one at a time, except that with BDAT (RFC 3030)
// Data reads in a goroutine of its own; then only Reset and Logout can come
// meanwhile, and they end the read, so Data touches the envelope only once
// the message is whole and the connection waits for its answer.
type session struct {
	cfg   *serverConfig
	ctx   context.Context
	conn  *smtp.Conn
	peer  pki.Provider
	from  string
	rcpts []string
}

// Mail checks the peer again, so that a revocation takes effect at the next
// transaction of a connection that is already open (the sending provider
// keeps connections for the next message), and that the sender is
// at the peer's domain: a provider sends only its own users' mail.
func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.Reset()
	cs, _ := s.conn.TLSConnectionState()
	peer, err := s.cfg.peer(cs)
	if err != nil {
		// Revoked while the connection was open: the same answer as a
		// new connection gets at the handshake, one to try again later
		// (the authority may list the provider again), and the session
		// ends (RFC 5321 §4.2.3: 421 closes the channel).
		return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: err.Error()}
	}
	s.peer = peer
	d := domainOf(from)
	if d != peer.Domain {
		if from == "" {
			// Notices of failed delivery come from the provider's system
			// addresses (TR PVD-IO §3), so no message needs the null
			// reverse-path of RFC 5321 §4.5.5 between providers.
			d = "the null reverse-path <>"
		}
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1},
			Message: fmt.Sprintf("Sender %s is not at %s, the domain of the sending provider", d, peer.Domain)}
	}
	s.from = from
	return nil
}

// Rcpt takes recipients at our domain only: this is no relay (RFC 5321
// §3.6.2), and a provider keeps only its own users' mailboxes.
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if d := domainOf(to); d != s.cfg.domain {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 2},
			Message: fmt.Sprintf("Recipient domain %s is not %s", d, s.cfg.domain)}
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
	defer cancel()
	if err := s.cfg.deliver.CheckRecipient(ctx, s.peer, to); err != nil {
		return s.reply(err, "recipient check", "rcpt", to)
	}
	s.rcpts = append(s.rcpts, to)
	return nil
}

// Data reads the message and hands it over; the 250 that follows a nil
// return is the receiving provider's acceptance (RFC 5321 §4.2.5: it has
// taken responsibility for the message).
func (s *session) Data(r io.Reader) error {
	msg, err := io.ReadAll(r)
	var se *smtp.SMTPError
	switch {
	case errors.As(err, &se): // 552 5.3.4 past MaxMessageBytes
		return se
	case err != nil:
		return temporary()
	case int64(len(msg)) > s.cfg.maxBytes: // go-smtp checks; this holds either way
		return smtp.ErrDataTooLarge
	}
	ctx, cancel := context.WithTimeout(s.ctx, s.cfg.timeout)
	defer cancel()
	if err := s.cfg.deliver.Deliver(ctx, s.peer, s.from, s.rcpts, msg); err != nil {
		return s.reply(err, "delivery", "from", s.from, "rcpts", len(s.rcpts))
	}
	s.cfg.log.Info("federation: message received", "peer", s.peer.Domain, "from", s.from,
		"rcpts", len(s.rcpts), "bytes", len(msg))
	return nil
}

// reply is the answer to a Deliverer's error: its refusal, or 451.
func (s *session) reply(err error, what string, args ...any) error {
	var rej *RejectError
	if errors.As(err, &rej) {
		return rej.reply()
	}
	if store.IsFull(err) {
		// At error: the operator must free space; the peer keeps the letter.
		s.cfg.log.Error("federation: "+what+" failed: out of storage space; the peer will try again",
			append([]any{"peer", s.peer.Domain, "err", err}, args...)...)
		return noSpace()
	}
	s.cfg.log.Warn("federation: "+what+" failed; the peer will try again",
		append([]any{"peer", s.peer.Domain, "err", err}, args...)...)
	return temporary()
}

// noSpace is the reply when our disk is full (RFC 5321 §4.2.2: 452;
// RFC 3463 §3.4: 4.3.1, mail system full): as temporary as 451, but it
// tells the peer's operator why.
func noSpace() *smtp.SMTPError {
	return &smtp.SMTPError{Code: 452, EnhancedCode: smtp.EnhancedCode{4, 3, 1},
		Message: "Insufficient system storage, try again later"}
}

// temporary is the reply to a failure on our side (RFC 5321 §4.2.3: 451;
// RFC 3463 §3.4: 4.3.0); the peer tries again later. The cause goes to our
// log, not to the peer.
func temporary() *smtp.SMTPError {
	return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0},
		Message: "Local error, try again later"}
}

func (s *session) Reset() {
	s.from, s.rcpts = "", nil
}

func (s *session) Logout() error { return nil }

// domainOf is the canonical domain of an address, "" when it has none.
// Only the domain matters here; the Deliverer judges the local part.
func domainOf(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return ""
	}
	d, err := address.ParseDomain(addr[at+1:])
	if err != nil {
		return ""
	}
	return d
}

// trackedListener keeps the connections it accepted, so that Serve can
// close them all when it stops, the ones still in the handshake too, which
// go-smtp does not know of yet.
type trackedListener struct {
	net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

func (l *trackedListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, l: l}
	l.conns[tc] = struct{}{}
	return tc, nil
}

// closeAll closes the listener and every connection it accepted.
func (l *trackedListener) closeAll() {
	l.mu.Lock()
	l.closed = true
	conns := l.conns
	l.conns = map[net.Conn]struct{}{}
	l.mu.Unlock()
	l.Listener.Close()
	for c := range conns {
		c.(*trackedConn).Conn.Close()
	}
}

type trackedConn struct {
	net.Conn
	l *trackedListener
}

func (c *trackedConn) Close() error {
	c.l.mu.Lock()
	delete(c.l.conns, c)
	c.l.mu.Unlock()
	return c.Conn.Close()
}

// smtpLog passes go-smtp's messages (a refused handshake, a broken
// connection) to our log.
type smtpLog struct{ log *slog.Logger }

func (l smtpLog) Printf(format string, v ...any) {
	l.log.Warn("federation: SMTP server: " + fmt.Sprintf(format, v...))
}

func (l smtpLog) Println(v ...any) {
	l.log.Warn("federation: SMTP server: " + strings.TrimSuffix(fmt.Sprintln(v...), "\n"))
}
