package provider_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/provider"
)

// TestTrustListFromAuthority: a provider with federation.trust_list_url
// fetches the list from the authority's server (siegel authority serve) at
// start, checked against its pinned root, and keeps it in its data folder;
// started again while the authority is down, it works with that list.
func TestTrustListFromAuthority(t *testing.T) {
	t.Parallel()
	now := time.Now()
	work := t.TempDir()
	authDir := filepath.Join(work, "authority")
	a, err := pki.Init(authDir, "Testbehörde", now)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(work, "prov")
	c, err := provider.Init(t.Context(), provider.InitOptions{Dir: dir, Domain: "amt.siegel.test", Name: "Amt",
		Authority: authDir, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	served := make(chan error, 1)
	ready := make(chan struct{})
	go func() {
		served <- a.Serve(ctx, ln, pki.ServeOptions{Ready: func() { close(ready) }})
	}()
	<-ready
	c.Federation.TrustListURL = "https://" + ln.Addr().String() + pki.TrustListPath
	writeConfig(t, dir, c)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p, err := provider.Open(t.Context(), dir, provider.Options{Log: log})
	if err != nil {
		t.Fatal(err)
	}
	l, fresh := p.Trust.Current()
	if l == nil || !fresh {
		t.Fatalf("no fresh trust list after start: %+v", l)
	}
	if _, ok := l.Lookup("amt.siegel.test"); !ok {
		t.Fatalf("the list does not name the provider itself: %v", l.Domains())
	}
	p.Close()
	if _, err := os.Stat(filepath.Join(dir, provider.TrustListFile)); err != nil {
		t.Fatalf("the last good list is not kept: %v", err)
	}

	stop() // the authority goes down
	<-served
	p, err = provider.Open(t.Context(), dir, provider.Options{Log: log})
	if err != nil {
		t.Fatalf("start without the authority: %v", err)
	}
	defer p.Close()
	if again, _ := p.Trust.Current(); again == nil || again.Sequence != l.Sequence {
		t.Fatalf("after a start without the authority: %+v, want the kept list no. %d", again, l.Sequence)
	}
}
