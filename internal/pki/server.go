package pki

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
)

// The authority's federation server: what providers fetch and ask for. TR
// BInfra-IO §7 leaves the list's address to the authority; these are the
// paths under the server's URL.
const (
	TrustListPath = "/trustlist.p7m" // GET: the current signed trust list
	RootCertPath  = "/root.crt"      // GET: the root certificate, PEM
	TSAPath       = "/tsa"           // POST: RFC 3161 time-stamp requests (RFC 3161 §3.4)
	HealthPath    = "/healthz"       // GET: 200 while the server can sign lists and tokens
)

// TrustListType is the media type of a signed trust list: CMS SignedData
// (RFC 8551 §3.2: application/pkcs7-mime).
const TrustListType = "application/pkcs7-mime"

// shutdownGrace is how long Serve lets open requests finish once its context
// ends.
const shutdownGrace = 10 * time.Second

// ServeOptions configure the authority's federation server.
type ServeOptions struct {
	// Valid is the lifetime of each list served (DefaultTrustListValidity
	// when zero). A list is re-signed once half of it has passed, so a
	// list fetched is always valid for at least Valid/2.
	Valid time.Duration
	Clock clock.Clock  // nil: the wall clock; dates the lists, tokens and server certificate
	Log   *slog.Logger // nil: nothing is logged
	// Hosts are the names the server certificate is issued for, DNS names
	// or IP addresses (DefaultServerHosts when empty).
	Hosts []string
	// Ready, if set, is called once by Serve when its certificate is ready
	// and it accepts connections: where a command announces its URL.
	Ready func()
}

// DefaultServerHosts are the server certificate's names when none are
// given: loopback, for an authority that providers reach through a proxy or
// on the same machine.
func DefaultServerHosts() []string { return []string{"localhost", "127.0.0.1", "::1"} }

// withDefaults fills in the zero fields and checks Valid, so that a bad
// value fails at start and not at the first request.
func (o ServeOptions) withDefaults() (ServeOptions, error) {
	if o.Valid == 0 {
		o.Valid = DefaultTrustListValidity
	}
	if o.Valid < MinTrustListValidity || o.Valid > MaxTrustListValidity {
		return o, problem.Field("valid", "range", "%v is outside %v to %v", o.Valid, MinTrustListValidity, MaxTrustListValidity)
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if len(o.Hosts) == 0 {
		o.Hosts = DefaultServerHosts()
	}
	return o, nil
}

// Handler serves the trust list, the root certificate, the time-stamping
// authority and a health check at the paths above. Only o.Valid, o.Clock and
// o.Log matter here; the TLS around it is Serve's.
func (a *Authority) Handler(o ServeOptions) (http.Handler, error) {
	o, err := o.withDefaults()
	if err != nil {
		return nil, err
	}
	lists := &listCache{a: a, valid: o.Valid, clock: o.Clock, log: o.Log}
	tsa := *a.TSA // the same keys, on the server's clock
	tsa.Clock = o.Clock
	rootPEM := encodeCertPEM(a.Root.Raw)
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+TrustListPath, lists.serve)
	mux.HandleFunc("GET "+RootCertPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Write(rootPEM)
	})
	mux.Handle(TSAPath, tsa.Handler())
	mux.HandleFunc("GET "+HealthPath, func(w http.ResponseWriter, _ *http.Request) {
		if err := a.healthy(o.Clock.Now(), o.Valid); err != nil {
			o.Log.Warn("unhealthy", "err", err)
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	return logRequests(o.Log, mux), nil
}

// healthy says whether the server can do its work at now: the signer's
// certificate covers a whole list, and the TSA's is valid.
func (a *Authority) healthy(now time.Time, valid time.Duration) error {
	if now.Before(a.Signer.NotBefore) || now.Add(valid).After(a.Signer.NotAfter) {
		return fmt.Errorf("the trust-list signer's certificate (valid until %s) does not cover a list of %v", a.Signer.NotAfter.Format(time.RFC3339), valid)
	}
	if c := a.TSA.Cert; now.Before(c.NotBefore) || now.After(c.NotAfter) {
		return fmt.Errorf("the TSA certificate is valid %s to %s", c.NotBefore.Format(time.RFC3339), c.NotAfter.Format(time.RFC3339))
	}
	return nil
}

// listCache keeps the last list signed. A list is signed at the first
// request, and again when the registry or the revocations change or half of
// its validity has passed; in between, every request gets the same bytes.
type listCache struct {
	a     *Authority
	valid time.Duration
	clock clock.Clock
	log   *slog.Logger

	mu    sync.Mutex
	der   []byte
	list  *TrustList
	state [sha256.Size]byte // of the providers and revocations in list
}

func (c *listCache) serve(w http.ResponseWriter, _ *http.Request) {
	der, l, err := c.get()
	if err != nil {
		c.log.Error("trust list", "err", err)
		http.Error(w, "the trust list is not available", http.StatusInternalServerError)
		return
	}
	// Caches may keep it until it would be re-signed here.
	fresh := max(l.Issued.Add(c.valid/2).Sub(c.clock.Now()), 0)
	w.Header().Set("Content-Type", TrustListType)
	w.Header().Set("Cache-Control", "max-age="+strconv.Itoa(int(fresh.Seconds())))
	w.Header().Set("Last-Modified", l.Issued.Format(http.TimeFormat))
	w.Write(der)
}

// get returns the list to serve, signing a new one if the cached one is
// stale.
func (c *listCache) get() ([]byte, *TrustList, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	ps, rs, err := c.a.current()
	if err != nil {
		return nil, nil, err
	}
	st, err := listState(ps, rs)
	if err != nil {
		return nil, nil, err
	}
	why := "first request"
	switch {
	case c.list == nil:
	case st != c.state:
		why = "registry or revocations changed"
	case now.Before(c.list.Issued) || !now.Before(c.list.Issued.Add(c.valid/2)):
		why = "half its validity passed"
	default:
		return c.der, c.list, nil
	}
	der, l, err := c.a.SignTrustList(now, c.valid)
	if err != nil {
		return nil, nil, err
	}
	// The state of what was signed, which another command may have changed
	// since current() above.
	if c.state, err = listState(l.Providers, l.Revoked); err != nil {
		return nil, nil, err
	}
	c.der, c.list = der, l
	c.log.Info("signed trust list", "sequence", l.Sequence, "providers", len(l.Providers), "revoked", len(l.Revoked),
		"next_update", l.NextUpdate, "why", why)
	return der, l, nil
}

// listState is a digest of what a list states, without its header.
func listState(ps []Provider, rs []Revocation) ([sha256.Size]byte, error) {
	b, err := encodeTrustList("", 0, time.Time{}, time.Time{}, ps, rs)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	return sha256.Sum256(b), nil
}

// statusWriter remembers the status code, for the request log.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// logRequests logs each request: method, path, status, duration, peer.
func logRequests(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		h.ServeHTTP(sw, r)
		log.Info("request", "method", r.Method, "path", r.URL.Path, "status", sw.status,
			"duration", time.Since(start), "remote", r.RemoteAddr)
	})
}

// Serve runs the federation server on ln with HTTPS (TLS 1.2 or later) until
// ctx ends, then lets open requests finish for up to 10 seconds. Its
// certificate is issued by the root for o.Hosts and kept in the authority's
// folder (ServerCertFile, ServerKeyFile), so a client that pins only the
// root certificate connects; it is issued anew when the names change or it
// expires within 30 days, also while the server runs.
func (a *Authority) Serve(ctx context.Context, ln net.Listener, o ServeOptions) error {
	o, err := o.withDefaults()
	if err != nil {
		return err
	}
	h, err := a.Handler(o)
	if err != nil {
		return err
	}
	certs := &serverCerts{a: a, hosts: o.Hosts, clock: o.Clock, log: o.Log}
	if _, err := certs.get(); err != nil { // a bad --host fails now, not at the first handshake
		return err
	}
	srv := &http.Server{
		Handler: h,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12,
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return certs.get() }},
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(o.Log.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.ServeTLS(ln, "", "") }()
	if o.Ready != nil {
		o.Ready()
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}
