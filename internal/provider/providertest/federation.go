package providertest

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// Federation is an accreditation authority serving its trust list on
// loopback, and providers it accredited, each with its SMTP server for the
// others: the whole of TR BInfra-IO in one test process. All share one
// fake clock, which tests may move by days (the trust lists last 31).
type Federation struct {
	T         testing.TB
	Clock     *clock.Fake
	Authority string // the authority's folder
	RootCert  string // its root certificate (PEM)
	// ListURL is where the authority serves the trust list.
	ListURL   string
	Providers []*Env
}

// NewFederation starts an authority and one provider per domain, each
// accredited with its SMTP endpoint, following the authority's list.
// Providers run their queues in the background unless manual.
func NewFederation(t testing.TB, manual bool, domains ...string) *Federation {
	t.Helper()
	return NewFederationConfigured(t, manual, nil, domains...)
}

// NewFederationConfigured is NewFederation with each provider's config
// changed by configure (given the provider's domain) before it opens.
func NewFederationConfigured(t testing.TB, manual bool, configure func(domain string, c *provider.Config), domains ...string) *Federation {
	t.Helper()
	// The clock starts at the wall clock's time: the authority's HTTPS
	// certificate is dated by it, and TLS checks it by the wall clock.
	f := &Federation{T: t, Clock: clock.NewFake(time.Now().Truncate(time.Second)), Authority: t.TempDir()}
	f.RootCert = filepath.Join(f.Authority, pki.RootCertFile)
	if _, err := pki.Init(f.Authority, "Test Authority", time.Now()); err != nil {
		t.Fatal(err)
	}
	a, err := pki.LoadAuthority(f.Authority)
	if err != nil {
		t.Fatal(err)
	}
	f.serveAuthority(a)
	type listeners struct{ http, smtp net.Listener }
	lns := make([]listeners, len(domains))
	for i, d := range domains {
		e := &Env{T: t, Dir: t.TempDir(), Domain: d, Clock: f.Clock, manual: manual,
			Authority: f.Authority, RootCert: f.RootCert}
		if configure != nil {
			e.configure = func(c *provider.Config) { configure(d, c) }
		}
		e.init(StoreURL(t), "Provider "+d)
		lns[i] = listeners{listen(t), listen(t)}
		e.SMTPAddr = lns[i].smtp.Addr().String()
		if _, err := a.Accredit(d, e.SMTPAddr, "https://"+lns[i].http.Addr().String(), nil, nil, time.Now()); err != nil {
			t.Fatal(err)
		}
		if err := provider.EditConfig(e.Dir, func(c *provider.Config) {
			c.Federation.TrustListURL = f.ListURL
			c.Federation.TrustListRefresh = provider.Duration{Duration: time.Second}
			c.Federation.SMTPTimeout = provider.Duration{Duration: 10 * time.Second}
		}); err != nil {
			t.Fatal(err)
		}
		f.Providers = append(f.Providers, e)
	}
	// Every provider is on the list before any fetches it.
	for i, e := range f.Providers {
		e.start(lns[i].http, lns[i].smtp)
	}
	return f
}

// serveAuthority serves the trust list until the test ends.
func (f *Federation) serveAuthority(a *pki.Authority) {
	ln := listen(f.T)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- a.Serve(ctx, ln, pki.ServeOptions{Clock: f.Clock, Valid: pki.MaxTrustListValidity,
			Ready: func() { close(ready) }})
	}()
	select {
	case <-ready:
	case err := <-done:
		f.T.Fatalf("authority: %v", err)
	}
	f.T.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			f.T.Errorf("authority: %v", err)
		}
	})
	f.ListURL = "https://" + ln.Addr().String() + pki.TrustListPath
}

func listen(t testing.TB) net.Listener {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}
