package federation

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/pki"
)

// listServer serves whatever list the test puts there, or an error status.
type listServer struct {
	mu     sync.Mutex
	der    []byte
	status int
}

func (l *listServer) set(der []byte, status int) {
	l.mu.Lock()
	l.der, l.status = der, status
	l.mu.Unlock()
}

func (l *listServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status != http.StatusOK {
		http.Error(w, "down", l.status)
		return
	}
	w.Write(l.der)
}

type env struct {
	auth  *pki.Authority
	clock *clock.Fake
	srv   *listServer
	store *TrustStore
}

func newEnv(t *testing.T) *env {
	t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	dir := t.TempDir()
	a, err := pki.Init(filepath.Join(dir, "authority"), "Testbehörde", now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Issue("a.siegel.test", "Provider A", filepath.Join(dir, "a"), now); err != nil {
		t.Fatal(err)
	}
	e := &env{auth: a, clock: clock.NewFake(now), srv: &listServer{status: http.StatusOK}}
	hs := httptest.NewTLSServer(e.srv)
	t.Cleanup(hs.Close)
	e.store = &TrustStore{URL: hs.URL + "/trustlist.p7m", Root: a.Root, Path: filepath.Join(dir, "trustlist.p7m"),
		Client: hs.Client(), Clock: e.clock, Log: slog.New(slog.DiscardHandler)}
	return e
}

// sign signs the authority's current list at now.
func (e *env) sign(t *testing.T, now time.Time, valid time.Duration) []byte {
	t.Helper()
	der, _, err := e.auth.SignTrustList(now, valid)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestTrustStoreKeepsLastGood: a good list becomes current and is stored; a
// failed fetch, a list of another authority, an expired list and an older
// list each leave it in place, with the reason; a restart loads it back.
func TestTrustStoreKeepsLastGood(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := t.Context()
	if l, _ := e.store.Current(); l != nil {
		t.Fatal("a list before any fetch")
	}
	first := e.sign(t, e.clock.Now(), 24*time.Hour)
	second := e.sign(t, e.clock.Now(), 24*time.Hour)
	e.srv.set(second, http.StatusOK)
	if err := e.store.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	l, fresh := e.store.Current()
	if l == nil || !fresh || l.Sequence != 2 {
		t.Fatalf("after a good fetch: %+v fresh=%v", l, fresh)
	}
	if _, ok := l.Lookup("a.siegel.test"); !ok {
		t.Fatal("the list does not name the provider")
	}
	other, err := pki.Init(filepath.Join(t.TempDir(), "other"), "Falsche Behörde", e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign, _, err := other.SignTrustList(e.clock.Now(), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	expired := e.sign(t, e.clock.Now(), time.Hour) // no. 3, fetched two hours on
	start := e.clock.Now()
	for _, tc := range []struct {
		name   string
		der    []byte
		status int
		want   string
	}{
		{"authority down", nil, http.StatusServiceUnavailable, "503"},
		{"another authority", foreign, http.StatusOK, "trust list"},
		{"expired", expired, http.StatusOK, "expired"},
		{"older", first, http.StatusOK, "older than no. 2"},
		{"truncated", second[:len(second)/2], http.StatusOK, "trust list"},
	} {
		e.srv.set(tc.der, tc.status)
		e.clock.Set(start)
		if tc.name == "expired" {
			e.clock.Advance(2 * time.Hour)
		}
		err := e.store.Refresh(ctx)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
		if l, _ := e.store.Current(); l == nil || l.Sequence != 2 {
			t.Errorf("%s: the current list is now %+v, want no. 2 kept", tc.name, l)
		}
	}
	stored, err := os.ReadFile(e.store.Path)
	if err != nil || string(stored) != string(second) {
		t.Fatalf("stored list: %v, want no. 2's bytes", err)
	}

	// A restart, days later: the stored list loads, out of date but kept.
	e.clock.Advance(72 * time.Hour)
	restarted := &TrustStore{URL: e.store.URL, Root: e.store.Root, Path: e.store.Path, Client: e.store.Client,
		Clock: e.clock, Log: e.store.Log}
	if err := restarted.Load(); err != nil {
		t.Fatal(err)
	}
	if l, fresh := restarted.Current(); l == nil || l.Sequence != 2 || fresh {
		t.Fatalf("after restart: %+v fresh=%v, want no. 2, out of date", l, fresh)
	}
	// A stored file that does not verify stops the node: it was written
	// by this node from a verified list, so something tampered with it.
	os.WriteFile(restarted.Path, foreign, 0o644)
	if err := restarted.Load(); err == nil {
		t.Fatal("a stored list of another authority loaded")
	}
}

// TestTrustStoreRun: the refresh loop picks up a newer list by itself.
func TestTrustStoreRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.srv.set(e.sign(t, e.clock.Now(), time.Hour), http.StatusOK)
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { e.store.Run(ctx, 20*time.Millisecond); close(done) }()
	defer func() { cancel(); <-done }()
	wait := func(seq uint64) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if l, _ := e.store.Current(); l != nil && l.Sequence == seq {
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
		t.Fatalf("list no. %d not fetched in time", seq)
	}
	wait(1)
	e.srv.set(nil, http.StatusBadGateway) // a failure in between changes nothing
	time.Sleep(50 * time.Millisecond)
	e.srv.set(e.sign(t, e.clock.Now(), time.Hour), http.StatusOK)
	wait(2)
}
