// Package provider is Siegel's composition root: it reads a provider's data
// folder and config, builds the clock, logger, stores and services once, and
// passes them down. No other package builds its own dependencies; nothing is
// held in package-level state, so tests run many providers side by side.
package provider

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"
	_ "time/tzdata" // the daily limit's time zone must load on machines without tzdata

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/confirmation"
	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/durable"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/malware"
	"github.com/siegel-mail/siegel/internal/queue"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/relay"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/web"
)

// Options are what the caller injects.
type Options struct {
	Clock clock.Clock
	Log   *slog.Logger
	// Argon2 overrides the config's password hashing cost (tests use cheap ones).
	Argon2 *account.Argon2Params
	// Manual leaves the queues and scheduled tasks to RunQueues and
	// RunScheduled: Serve starts no background work (benchmarks and tests
	// that must control when work happens).
	Manual bool
}

// Provider is a running provider's wired services.
type Provider struct {
	Dir    string
	Config *Config
	Store  store.Store
	Blobs  *blob.FS
	Reg    *registration.Service
	Auth   *auth.Service
	Mail   *mailbox.Service
	API    *api.Server
	// Contacts keeps the holders' address books (TR PVD-FU §3.1.3.5).
	Contacts *contacts.Service
	Log      *slog.Logger
	Clock    clock.Clock
	// Node names this process among the provider's nodes (leases).
	Node string
	// Seal signs the provider's evidence; nil when the provider has no
	// authority (siegel init without --authority).
	Seal *evidence.KeySigner
	// TSA time-stamps the evidence; nil without a seal.
	TSA evidence.Timestamper
	// Confirm issues confirmations and notices from the queue.
	Confirm *confirmation.Service
	// Trust is the node's last good trust list; nil without federation.
	Trust *federation.TrustStore
	// Relay hands letters to other providers and takes theirs, and SMTP
	// is its server; both nil without federation.
	Relay *relay.Service
	SMTP  *federation.Server
	// relayClient keeps connections to the other providers open.
	relayClient *federation.Client
	// root is the accreditation authority's root, pinned at init; nil
	// without an authority.
	root *x509.Certificate
	// Scanner is the malware scanner (clamd); nil when the config turns
	// scanning off (malware.scanning).
	Scanner *malware.Clamd
	// Web is the web mailbox, registration and officer console.
	Web    *web.Server
	manual bool
	lock   *os.File
}

// Open wires a provider from its data folder.
func Open(ctx context.Context, dir string, o Options) (*Provider, error) {
	c, err := LoadConfig(dir)
	if err != nil {
		return nil, err
	}
	if o.Clock == nil {
		o.Clock = clock.Real{}
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	log := o.Log.With("provider", c.Domain)
	master, err := blob.LoadKey(abs(dir, c.Keys.MasterKey))
	if err != nil {
		return nil, fmt.Errorf("keys.master_key: %w", err)
	}
	blobs, err := blob.NewFS(abs(dir, c.Store.BlobDir), master)
	if err != nil {
		return nil, fmt.Errorf("store.blob_dir: %w", err)
	}
	st, lock, err := openStore(ctx, c, dir, blobs, log)
	if err != nil {
		blobs.Close()
		return nil, err
	}
	ok := false
	defer func() {
		if !ok {
			st.Close()
			blobs.Close()
			if lock != nil {
				lock.Close()
			}
		}
	}()
	sealer, err := auth.NewSealer(master)
	if err != nil {
		return nil, err
	}
	root, err := loadRoot(c, dir)
	if err != nil {
		return nil, err
	}
	seal, err := loadSeal(c, dir, root, o.Clock.Now())
	if err != nil {
		return nil, err
	}
	tsa, err := loadTimestamper(c, dir, root, o.Clock)
	if err != nil {
		return nil, err
	}
	trust, err := openTrust(ctx, c, dir, root, o.Clock, log)
	if err != nil {
		return nil, err
	}
	argon := account.Argon2Params{Memory: c.Login.Argon2MemKiB, Time: c.Login.Argon2Time,
		Threads: c.Login.Argon2Threads, KeyLen: 32, SaltLen: 16}
	if o.Argon2 != nil {
		argon = *o.Argon2
	}
	dummy, err := account.HashPassword(argon, "no such account", rand.Reader)
	if err != nil {
		return nil, err
	}
	loc, _ := time.LoadLocation(c.Limits.TimeZone) // checked by LoadConfig
	p := &Provider{Dir: dir, Config: c, Store: st, Blobs: blobs, Log: log, Clock: o.Clock, Node: nodeName(),
		Seal: seal, TSA: tsa, Trust: trust, root: root, manual: o.Manual, lock: lock}
	p.Reg = &registration.Service{Store: st, Clock: o.Clock, Domain: c.Domain, Argon2: argon,
		Rand: rand.Reader, Log: log}
	p.Auth = &auth.Service{Store: st, Clock: o.Clock, Sealer: sealer, Issuer: c.Name, Log: log, DummyHash: dummy,
		Lockout:     account.LockoutPolicy{MaxFailures: c.Login.MaxFailures, Base: c.Login.LockBase.Duration, Max: c.Login.LockMax.Duration},
		IdleTimeout: c.Login.SessionIdle.Duration, MaxAge: c.Login.SessionMaxAge.Duration}
	maxBytes := int64(c.Limits.MaxMessageMiB) << 20
	bodySealer, err := blob.NewSealer(master)
	if err != nil {
		return nil, err
	}
	p.Mail = &mailbox.Service{Store: st, Blobs: blobs, Sealer: bodySealer, InlineMax: c.Store.InlineMaxKiB << 10,
		Clock: o.Clock, Domain: c.Domain, Location: loc,
		Limits:          account.DailyLimit{Messages: c.Limits.DailyMessages, Recipients: c.Limits.DailyRecipients},
		MaxMessageBytes: maxBytes, DefaultQuota: int64(c.Limits.MailboxQuotaMiB) << 20, Log: log}
	p.Auth.OnHighLogin = p.Mail.RecordPickups
	p.Reg.CheckOrderTarget = p.Mail.CheckOrderTarget // TR PVD-FU §3.1.3.3
	p.wireScanner()
	p.Confirm = &confirmation.Service{Store: st, Mail: p.Mail, Clock: o.Clock, Domain: c.Domain, Name: c.Name,
		TSA: tsa, Location: loc, Log: log}
	switch {
	case seal == nil:
		log.Warn("no seal configured (siegel init without --authority): confirmations are queued, and issued once a seal is configured")
	case tsa == nil:
		// A data folder made before time-stamps were configurable.
		log.Warn("a seal but no time-stamps configured: confirmations are queued, and issued once timestamp.url or timestamp.cert_file is set")
	}
	if seal != nil {
		p.Confirm.Seal, p.Mail.Seal = seal, seal
	}
	if err := p.wireFederation(); err != nil {
		return nil, err
	}
	p.Web = &web.Server{Reg: p.Reg, Auth: p.Auth, Mail: p.Mail, Clock: o.Clock, Log: log, Name: c.Name,
		Domain: c.Domain, Secure: true, MaxMessageBytes: maxBytes, Verify: p.verifyEvidence, PublicURL: c.PublicURL,
		ScanningOff: p.Scanner == nil}
	p.API = &api.Server{Reg: p.Reg, Auth: p.Auth, Mail: p.Mail, Clock: o.Clock, Log: log, MaxMessageBytes: maxBytes,
		Queue: &queue.Admin{Store: st, Clock: o.Clock, Log: log}}
	p.Contacts = &contacts.Service{Store: st, Clock: o.Clock, Log: log}
	p.API.Contacts, p.Web.Contacts = p.Contacts, p.Contacts
	ok = true
	return p, nil
}

// Close closes the stores: the database first, so that its last group commit
// can still sync blobs.
func (p *Provider) Close() error {
	if p.relayClient != nil {
		p.relayClient.CloseIdle()
	}
	err := errors.Join(p.Store.Close(), p.Blobs.Close())
	if p.lock != nil {
		err = errors.Join(err, p.lock.Close())
	}
	return err
}

// abs resolves a config path against the data folder.
func abs(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}

// lockDir takes the data folder's lock, or says who has it.
func lockDir(dir string) (*os.File, error) {
	f, err := durable.Lock(filepath.Join(dir, "siegel.lock"), 0o600, 2*time.Second)
	if err != nil {
		return nil, fmt.Errorf("data folder %s is in use by another siegel process (stop it first): %w", dir, err)
	}
	return f, nil
}

// Handler is everything the provider serves on its one listener: the
// API under /api/, the web pages everywhere else.
func (p *Provider) Handler() (http.Handler, error) {
	pages, err := p.Web.Handler()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/api/", p.API.Handler())
	mux.Handle("/", pages)
	return mux, nil
}

// Serve serves on ln until ctx ends, with TLS unless plain is set.
func (p *Provider) Serve(ctx context.Context, ln net.Listener, plain bool) error {
	if err := p.CheckScanner(ctx); err != nil {
		return err
	}
	h, err := p.Handler()
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(p.Log.Handler(), slog.LevelWarn)}
	if !plain {
		dir := func(f string) string {
			if filepath.IsAbs(f) {
				return f
			}
			return filepath.Join(p.Dir, f)
		}
		cert, err := tls.LoadX509KeyPair(dir(p.Config.TLS.CertFile), dir(p.Config.TLS.KeyFile))
		if err != nil {
			return fmt.Errorf("tls: %w", err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
	}
	if p.SMTP != nil && p.Config.Federation.Listen != "" {
		fln, err := net.Listen("tcp", p.Config.Federation.Listen)
		if err != nil {
			return fmt.Errorf("federation.listen: %w", err)
		}
		fctx, cancel := context.WithCancel(ctx)
		fdone := make(chan struct{})
		go func() {
			defer close(fdone)
			if err := p.ServeFederation(fctx, fln); err != nil {
				p.Log.Error("federation: SMTP server ended", "err", err)
			}
		}()
		defer func() { cancel(); <-fdone }()
	}
	stop := func() {}
	if !p.manual {
		stop = p.background(ctx)
	}
	defer stop()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = srv.Shutdown(sctx)
	if e := <-errc; !errors.Is(e, http.ErrServerClosed) {
		err = errors.Join(err, e)
	}
	return err
}
