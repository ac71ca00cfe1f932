// Package providertest runs a real provider for tests: a data folder made by
// provider.Init in t.TempDir(), a fake clock, the HTTP API over TLS on a free
// loopback port, and clients from api/client, so that tests drive the provider
// the way a user's program does.
package providertest

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
)

// Domain is the test provider's domain.
const Domain = "test.siegel.test"

// Env is a running test provider.
type Env struct {
	T      testing.TB
	Dir    string
	Domain string // the provider's mail domain
	// SMTPAddr is where the provider takes letters from other providers;
	// "" outside a Federation.
	SMTPAddr string
	P        *provider.Provider
	Clock    *clock.Fake
	URL      string
	CertPEM  []byte
	// Authority is the test's accreditation authority's folder, and
	// RootCert its root certificate (PEM): the evidence's trust anchor.
	Authority string
	RootCert  string
	manual    bool
	configure func(*provider.Config) // NewConfigured's; nil for the defaults
	Public    *client.Client         // no token
	Operator  *client.Client
	Officer1  *client.Client
	Officer2  *client.Client
}

// StoreURL is the metadata store for a test provider: "" (SQLite in the
// data folder) unless SIEGEL_TEST_STORE=postgres, which runs the provider
// tests on PostgreSQL (SIEGEL_TEST_POSTGRES), each in a schema of its own.
func StoreURL(t testing.TB) string {
	switch os.Getenv("SIEGEL_TEST_STORE") {
	case "", "sqlite":
		return ""
	case "postgres":
		return pgtest.TestURL(t)
	}
	t.Fatalf("SIEGEL_TEST_STORE=%q: want sqlite or postgres", os.Getenv("SIEGEL_TEST_STORE"))
	return ""
}

// start is the fake clock's start: a Tuesday, mid-morning in Berlin.
func start() time.Time { return time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC) }

// New starts a provider for t on the store StoreURL names; it stops when t
// ends.
func New(t testing.TB) *Env {
	t.Helper()
	return NewOn(t, StoreURL(t))
}

// NewOn starts a provider for t on the store at storeURL ("" for SQLite).
func NewOn(t testing.TB, storeURL string) *Env {
	t.Helper()
	return newEnv(t, storeURL, true, false)
}

// NewManual starts a provider that runs no background work: its queues
// and scheduled tasks run only when the test calls RunQueues and
// RunScheduled.
func NewManual(t testing.TB) *Env {
	t.Helper()
	return newEnv(t, StoreURL(t), true, true)
}

// NewWithoutAuthority starts a provider made by siegel init without
// --authority: no seal, no time-stamps, so no evidence.
func NewWithoutAuthority(t testing.TB) *Env {
	t.Helper()
	return newEnv(t, StoreURL(t), false, false)
}

func newEnv(t testing.TB, storeURL string, withAuthority, manual bool) *Env {
	t.Helper()
	e := &Env{T: t, Dir: t.TempDir(), Domain: Domain, Clock: clock.NewFake(start()), manual: manual}
	if withAuthority {
		e.Authority = t.TempDir()
		e.RootCert = filepath.Join(e.Authority, pki.RootCertFile)
		if _, err := pki.Init(e.Authority, "Test Authority", time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	e.init(storeURL, "Test Provider")
	e.start(nil, nil)
	return e
}

// init makes the provider's data folder. Its malware scanning is off:
// tests need no clamd, except those that turn it on (Configure).
func (e *Env) init(storeURL, name string) {
	if _, err := provider.Init(context.Background(), provider.InitOptions{Dir: e.Dir, Domain: e.Domain, Name: name,
		Store: storeURL, Authority: e.Authority, Now: time.Now()}); err != nil {
		e.T.Fatal(err)
	}
	if err := provider.EditConfig(e.Dir, func(c *provider.Config) {
		c.Malware.Scanning = "off"
		if e.configure != nil {
			e.configure(c)
		}
	}); err != nil {
		e.T.Fatal(err)
	}
}

// NewConfigured starts a provider like New (like NewManual when manual)
// whose config configure changes before it opens, such as a test that
// turns malware scanning on with its own clamd.
func NewConfigured(t testing.TB, manual bool, configure func(*provider.Config)) *Env {
	t.Helper()
	e := &Env{T: t, Dir: t.TempDir(), Domain: Domain, Clock: clock.NewFake(start()), manual: manual, configure: configure}
	e.Authority = t.TempDir()
	e.RootCert = filepath.Join(e.Authority, pki.RootCertFile)
	if _, err := pki.Init(e.Authority, "Test Authority", time.Now()); err != nil {
		t.Fatal(err)
	}
	e.init(StoreURL(t), "Test Provider")
	e.start(nil, nil)
	return e
}

// start bootstraps and serves the provider, on ln when given, and takes
// letters from other providers on smtp when given.
func (e *Env) start(ln, smtp net.Listener) {
	t := e.T
	opTok, err := provider.Bootstrap(context.Background(), e.Dir, e.log())
	if err != nil {
		t.Fatal(err)
	}
	e.P, e.URL = e.serveOn(ln, smtp)
	dir := e.Dir
	pem, err := os.ReadFile(filepath.Join(dir, e.P.Config.TLS.CertFile))
	if err != nil {
		t.Fatal(err)
	}
	e.CertPEM = pem
	if e.Public, err = client.New(e.URL, pem); err != nil {
		t.Fatal(err)
	}
	e.Operator = e.Public.With(opTok)
	e.Officer1 = e.officer("Officer One")
	e.Officer2 = e.officer("Officer Two")
}

func (e *Env) log() *slog.Logger {
	if os.Getenv("SIEGEL_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// serve opens the provider in e.Dir and serves it on a free loopback port
// until the test ends.
func (e *Env) serve() (*provider.Provider, string) { return e.serveOn(nil, nil) }

// serveOn serves on ln (a free loopback port when nil), and other
// providers on smtp when given.
func (e *Env) serveOn(ln, smtp net.Listener) (*provider.Provider, string) {
	cheap := account.TestArgon2()
	p, err := provider.Open(context.Background(), e.Dir, provider.Options{Clock: e.Clock, Log: e.log(), Argon2: &cheap,
		Manual: e.manual})
	if err != nil {
		e.T.Fatal(err)
	}
	if ln == nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			e.T.Fatal(err)
		}
	}
	sctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 2)
	go func() { done <- p.Serve(sctx, ln, false) }()
	n := 1
	if smtp != nil {
		n++
		go func() { done <- p.ServeFederation(sctx, smtp) }()
	}
	e.T.Cleanup(func() {
		cancel()
		for range n {
			if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
				e.T.Errorf("serve: %v", err)
			}
		}
		p.Close()
	})
	return p, "https://" + ln.Addr().String()
}

// AddNode starts another node of the same provider, on the same data folder
// and database (PostgreSQL only), and returns a client of it without a token.
func (e *Env) AddNode() *client.Client {
	e.T.Helper()
	_, url := e.serve()
	c, err := client.New(url, e.CertPEM)
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

func (e *Env) officer(name string) *client.Client {
	o, err := e.Operator.AddOfficer(context.Background(), name, "officer")
	if err != nil {
		e.T.Fatal(err)
	}
	return e.Public.With(o.Token)
}

// User is an opened, activated account.
type User struct {
	env      *Env
	ID       string
	Address  string
	Password string
	Secret   string         // TOTP secret, "" when none enrolled
	C        *client.Client // a session at normal
}

// PersonApp is a valid application of a person.
func PersonApp(first, last string) *api.ApplicationRequest {
	return &api.ApplicationRequest{Kind: "person", InfoAcknowledged: true, MalwareConsent: true,
		Person: &api.Person{FirstNames: first, Surname: last, BirthDate: "1980-05-17", BirthPlace: "Bonn",
			Street: "Hauptstraße 1", Postcode: "53111", Town: "Bonn", Country: "DE"}}
}

// OrgApp is a valid application of an organisation or authority.
func OrgApp(kind, name string, formalService bool) *api.ApplicationRequest {
	return &api.ApplicationRequest{Kind: kind, InfoAcknowledged: true, MalwareConsent: true,
		Organisation: &api.Organisation{Name: name, LegalForm: "GmbH", Street: "Markt 1", Postcode: "53111",
			Town: "Bonn", Country: "DE", Representatives: []string{"Rita Vertreterin"}, FormalService: formalService}}
}

// Open takes an application through verification (electronic, one officer)
// and a first login at normal, and enrols TOTP when withTOTP is set.
func (e *Env) Open(app *api.ApplicationRequest, withTOTP bool) *User {
	e.T.Helper()
	ctx := context.Background()
	res, err := e.Public.Apply(ctx, app)
	if err != nil {
		e.T.Fatalf("apply: %v", err)
	}
	v, err := e.Officer1.Verify(ctx, res.ID, &api.VerifyRequest{Method: "qualified_signature"})
	if err != nil {
		e.T.Fatalf("verify: %v", err)
	}
	u := &User{env: e, ID: res.ID, Address: res.Address, Password: v.InitialPassword}
	s, err := e.Public.Login(ctx, u.Address, u.Password, "")
	if err != nil {
		e.T.Fatalf("login: %v", err)
	}
	u.C = e.Public.With(s.Token)
	if withTOTP {
		en, err := u.C.EnrollTOTP(ctx)
		if err != nil {
			e.T.Fatalf("enrol: %v", err)
		}
		if _, err := u.C.ConfirmTOTP(ctx, e.Code(en.Secret)); err != nil {
			e.T.Fatalf("confirm totp: %v", err)
		}
		u.Secret = en.Secret
	}
	return u
}

// Code returns a fresh TOTP code: it moves the clock to the next 30-second
// step first, since each step's code is accepted once.
func (e *Env) Code(secret string) string {
	e.T.Helper()
	e.Clock.Advance(30 * time.Second)
	c, err := account.TOTPCode(secret, e.Clock.Now())
	if err != nil {
		e.T.Fatal(err)
	}
	return c
}

// High logs the user in at high and returns that session's client.
func (u *User) High() *client.Client {
	u.env.T.Helper()
	s, err := u.env.Public.Login(context.Background(), u.Address, u.Password, u.env.Code(u.Secret))
	if err != nil {
		u.env.T.Fatalf("login at high: %v", err)
	}
	return u.env.Public.With(s.Token)
}
