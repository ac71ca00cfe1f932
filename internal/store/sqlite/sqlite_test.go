package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/storetest"
)

func openTemp(t testing.TB, opts Options) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "siegel.db")
	s, err := Open(t.Context(), path, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := openTemp(t, Options{})
		return s
	})
}

func acct(id string) *store.Account {
	return &store.Account{ID: id, Address: id + "@example.de-mail.de", Kind: account.Person,
		Status: account.Active, CreatedAt: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func insert(id string) func(store.Tx) error {
	return func(tx store.Tx) error { return tx.InsertAccount(acct(id)) }
}

// exists reports whether the account with id exists.
func exists(ctx context.Context, s *Store, id string) (bool, error) {
	var found bool
	err := s.View(ctx, func(tx store.Tx) error {
		_, err := tx.AccountByID(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}

// has is exists for the test goroutine.
func has(t *testing.T, s *Store, id string) bool {
	t.Helper()
	found, err := exists(t.Context(), s, id)
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return found
}

func TestReopenKeepsData(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "siegel.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertAccount(acct("acct-1")); err != nil {
			return err
		}
		return tx.AddDailyUsage("acct-1", "2025-03-14", 2, 5)
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	if !has(t, s, "acct-1") {
		t.Fatalf("account gone after reopening")
	}
	var m, r int
	if err := s.View(t.Context(), func(tx store.Tx) (err error) {
		m, r, err = tx.DailyUsage("acct-1", "2025-03-14")
		return err
	}); err != nil || m != 2 || r != 5 {
		t.Fatalf("DailyUsage after reopening = %d, %d, %v; want 2, 5", m, r, err)
	}
	// Migrations are not applied twice.
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != SchemaVersion() {
		t.Fatalf("SchemaVersion after reopening = %d, %v; want %d", v, err, SchemaVersion())
	}
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t, Options{})
	v, err := s.SchemaVersion(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if v != SchemaVersion() || v < 1 {
		t.Fatalf("SchemaVersion = %d, want %d (and at least 1)", v, SchemaVersion())
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	s, path := openTemp(t, Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`INSERT INTO schema_migrations(version) VALUES (?)`, SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(t.Context(), path, Options{})
	if err == nil {
		s2.Close()
		t.Fatalf("Open of a database from a newer siegel succeeded")
	}
	if !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer database: %v; want it to say the schema is newer", err)
	}
}

// blockCommitter runs an Update whose function waits until release is closed,
// so that the committer is busy and further Updates queue up. It returns once
// the function runs, and the Update's error channel.
func blockCommitter(t *testing.T, s *Store, id string) (release chan struct{}, done chan error) {
	t.Helper()
	release, done = make(chan struct{}), make(chan error, 1)
	running := make(chan struct{})
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			close(running)
			<-release
			return tx.InsertAccount(acct(id))
		})
	}()
	<-running
	return release, done
}

// waitQueued waits until n Updates are queued.
func waitQueued(t *testing.T, s *Store, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for len(s.queue) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d Updates queued after 10s, want %d", len(s.queue), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestPreCommit(t *testing.T) {
	t.Parallel()
	var s *Store
	var calls atomic.Int32
	var visibleBefore atomic.Bool
	failFrom := int32(1 << 30)
	var failFromMu sync.Mutex
	errSync := errors.New("blob sync failed")
	s, _ = openTemp(t, Options{MaxGroup: 64, PreCommit: func(ctx context.Context) error {
		n := calls.Add(1)
		// The group's rows are not committed yet: a reader does not see them.
		// (This runs on the committer: no t.Fatal here.)
		if found, err := exists(ctx, s, "acct-probe"); err != nil || found {
			visibleBefore.Store(true)
		}
		failFromMu.Lock()
		defer failFromMu.Unlock()
		if n >= failFrom {
			return errSync
		}
		return nil
	}})

	if err := s.Update(t.Context(), insert("acct-probe")); err != nil {
		t.Fatal(err)
	}
	if calls.Load() != 1 {
		t.Fatalf("PreCommit called %d times for one Update, want 1", calls.Load())
	}
	if visibleBefore.Load() {
		t.Fatalf("PreCommit ran after the commit: the row was already visible")
	}
	if !has(t, s, "acct-probe") {
		t.Fatalf("row not visible after Update returned")
	}

	// A group of failing functions only: nothing to make durable, no PreCommit.
	before := calls.Load()
	if err := s.Update(t.Context(), func(store.Tx) error { return errSync }); !errors.Is(err, errSync) {
		t.Fatalf("failing Update = %v", err)
	}
	if calls.Load() != before {
		t.Errorf("PreCommit called for a group with nothing to commit")
	}

	// PreCommit fails for the next group: every Update in it fails, none lands.
	release, blockedDone := blockCommitter(t, s, "acct-blocker")
	const n = 20
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.Update(t.Context(), insert(fmt.Sprintf("acct-%02d", i))) })
	}
	waitQueued(t, s, n)
	failFromMu.Lock()
	failFrom = calls.Load() + 2 // the blocker's group commits, the next fails
	failFromMu.Unlock()
	groupCalls := calls.Load()
	close(release)
	if err := <-blockedDone; err != nil {
		t.Fatalf("blocking Update: %v", err)
	}
	wg.Wait()
	if got := calls.Load() - groupCalls; got != 2 {
		t.Errorf("PreCommit ran %d times for the blocker and one queued group, want 2", got)
	}
	for i, err := range errs {
		if !errors.Is(err, errSync) {
			t.Errorf("Update %d in a group whose PreCommit failed = %v, want %v", i, err, errSync)
		}
		if id := fmt.Sprintf("acct-%02d", i); has(t, s, id) {
			t.Errorf("%s landed although PreCommit failed", id)
		}
	}
	if !has(t, s, "acct-blocker") {
		t.Errorf("the blocker's group committed before the failing one, but its row is gone")
	}
	// The store keeps working once PreCommit does.
	failFromMu.Lock()
	failFrom = 1 << 30
	failFromMu.Unlock()
	if err := s.Update(t.Context(), insert("acct-after")); err != nil || !has(t, s, "acct-after") {
		t.Fatalf("Update after a failed PreCommit: %v", err)
	}
}

func TestCloseDrainsQueue(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "siegel.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	release, blockedDone := blockCommitter(t, s, "acct-blocker")
	const n = 30
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs[i] = s.Update(t.Context(), insert(fmt.Sprintf("acct-%02d", i))) })
	}
	waitQueued(t, s, n)
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	// Close waits for the queue, so it cannot have returned yet.
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while an Update was still running", err)
	case <-time.After(20 * time.Millisecond):
	}
	close(release)
	if err := <-blockedDone; err != nil {
		t.Fatalf("blocking Update: %v", err)
	}
	wg.Wait()
	if err := <-closed; err != nil {
		t.Fatalf("Close: %v", err)
	}
	for i, err := range errs {
		if err != nil {
			t.Errorf("queued Update %d = %v, want nil: Close drains the queue", i, err)
		}
	}
	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for i := range n {
		if id := fmt.Sprintf("acct-%02d", i); !has(t, s, id) {
			t.Errorf("%s, queued before Close, is missing after reopening", id)
		}
	}
}

// TestUpdateAfterClose: Updates during and after Close return an error; none
// waits forever for a committer that has stopped.
func TestUpdateAfterClose(t *testing.T) {
	t.Parallel()
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "siegel.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { errs <- s.Update(t.Context(), insert(fmt.Sprintf("acct-%03d", i))) })
		if i == n/2 {
			if err := s.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("Updates racing with Close still wait after 30s")
	}
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
		}
	}
	if failed == 0 {
		t.Errorf("no Update failed although half of them came after Close")
	}
	// After Close, always an error.
	for i := range 50 {
		if err := s.Update(t.Context(), insert(fmt.Sprintf("acct-late-%d", i))); err == nil {
			t.Fatalf("Update after Close succeeded")
		}
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestGroupsShareCommits: concurrent Updates share commits (DESIGN "Storage").
func TestGroupsShareCommits(t *testing.T) {
	t.Parallel()
	var commits atomic.Int32
	s, _ := openTemp(t, Options{MaxGroup: 64, PreCommit: func(context.Context) error { commits.Add(1); return nil }})
	release, blockedDone := blockCommitter(t, s, "acct-blocker")
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if err := s.Update(t.Context(), insert(fmt.Sprintf("acct-%02d", i))); err != nil {
				t.Errorf("Update %d: %v", i, err)
			}
		})
	}
	waitQueued(t, s, n)
	close(release)
	if err := <-blockedDone; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if c := commits.Load(); c != 2 {
		t.Errorf("%d queued Updates took %d commits after the blocker's, want 1", n, c-1)
	}
}

func benchOpen(b *testing.B) store.Store {
	s, _ := openTemp(b, Options{})
	return s
}

// BenchmarkGroupedAccept: 50 goroutines accepting letters (3 recipients each)
// at once; their Updates share commits.
func BenchmarkGroupedAccept(b *testing.B) {
	storetest.BenchmarkAccept(b, benchOpen, 50, 3)
}

// BenchmarkSerialAccept: one goroutine, one commit (one fsync) per accept.
func BenchmarkSerialAccept(b *testing.B) {
	storetest.BenchmarkAccept(b, benchOpen, 1, 3)
}
