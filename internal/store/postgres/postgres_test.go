package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
	"github.com/siegel-mail/siegel/internal/store/storetest"
)

// testConns is each test store's pool: the suite runs a test per core at
// once, and the server allows 100 connections in all.
const testConns = 8

func openTest(t testing.TB, dbURL string, opts Options) *Store {
	t.Helper()
	if opts.MaxConns == 0 {
		opts.MaxConns = testConns
	}
	s, err := Open(t.Context(), dbURL, opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	pgtest.BaseURL(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return openTest(t, pgtest.TestURL(t), Options{})
	})
}

// benchOpen opens a store as a provider would: the pool of the default size.
func benchOpen(b *testing.B) store.Store {
	s, err := Open(b.Context(), pgtest.TestURL(b), Options{})
	if err != nil {
		b.Fatalf("Open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkGroupedAccept: 50 goroutines accepting letters (3 recipients each)
// from one sender at once; every accept counts into the sender's daily usage,
// so the transactions conflict and retry (see BenchmarkSpreadAccept).
func BenchmarkGroupedAccept(b *testing.B) {
	storetest.BenchmarkAccept(b, benchOpen, 50, 3)
}

// BenchmarkSerialAccept: one goroutine, one commit per accept.
func BenchmarkSerialAccept(b *testing.B) {
	storetest.BenchmarkAccept(b, benchOpen, 1, 3)
}

// BenchmarkSpreadAccept is BenchmarkGroupedAccept with a sender for each
// goroutine, as when many senders submit at once: the accepts share no row.
// The accept is a copy of storetest's, which takes one sender only.
func BenchmarkSpreadAccept(b *testing.B) {
	const goroutines, recipients = 50, 3
	s := benchOpen(b)
	rcpts := []string{"acct-r0", "acct-r1", "acct-r2"}
	err := s.Update(b.Context(), func(tx store.Tx) error {
		for i := range goroutines + recipients {
			id := fmt.Sprintf("acct-s%d", i)
			if i >= goroutines {
				id = rcpts[i-goroutines]
			}
			if err := tx.InsertAccount(acct(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	var next atomic.Int32
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism((goroutines + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	b.RunParallel(func(pb *testing.PB) {
		sender := fmt.Sprintf("acct-s%d", next.Add(1)%goroutines)
		for pb.Next() {
			if err := s.Update(b.Context(), accept(sender, rcpts, time.Now())); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accepts/s")
}

// accept is storetest's accept transaction: check the sender and the
// recipients, count the daily usage, insert the letter (body inline), the
// sender's and the recipients' copies and an event for each.
func accept(sender string, rcpts []string, now time.Time) func(store.Tx) error {
	id := store.NewID(now)
	sum := sha256.Sum256([]byte(id))
	return func(tx store.Tx) error {
		if _, err := tx.AccountByID(sender); err != nil {
			return err
		}
		if _, _, err := tx.DailyUsage(sender, "2025-03-14"); err != nil {
			return err
		}
		if err := tx.AddDailyUsage(sender, "2025-03-14", 1, len(rcpts)); err != nil {
			return err
		}
		for _, r := range rcpts {
			if _, err := tx.AccountByID(r); err != nil {
				return err
			}
		}
		l := &store.Letter{ID: id, MessageID: id, SenderID: sender, SenderAddress: sender + "@example.de-mail.de",
			Subject: "Mahnung " + id, AuthLevel: account.Normal, Recipients: []byte(`{"to":["r@example.de-mail.de"]}`),
			BodyBlob: "blob-" + id, BodySize: 4096, BodyHash: sum[:], SubmittedAt: now,
			BodyInline: true, BodySealed: bytes.Repeat(sum[:], 8)}
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		for i, r := range append([]string{sender}, rcpts...) {
			folder, role := store.Inbox, "to"
			if i == 0 {
				folder, role = store.Sent, "sender"
			}
			c := &store.Copy{ID: store.NewID(now), LetterID: id, AccountID: r, Folder: folder, Role: role,
				Header: []byte("From: s\r\nTo: r\r\n"), Arrived: now}
			if err := tx.InsertCopy(c); err != nil {
				return err
			}
			if err := tx.InsertEvent(&store.Event{ID: store.NewID(now), LetterID: id, CopyID: c.ID, AccountID: r,
				Kind: store.EventStored, At: now}); err != nil {
				return err
			}
		}
		return nil
	}
}

func acct(id string) *store.Account {
	return &store.Account{ID: id, Address: id + "@example.de-mail.de", Kind: account.Person,
		Status: account.Active, CreatedAt: time.Date(2025, 3, 14, 9, 0, 0, 0, time.UTC)}
}

func insert(id string) func(store.Tx) error {
	return func(tx store.Tx) error { return tx.InsertAccount(acct(id)) }
}

// has reports whether the account with id exists.
func has(t *testing.T, s store.Store, id string) bool {
	t.Helper()
	var found bool
	err := s.View(t.Context(), func(tx store.Tx) error {
		_, err := tx.AccountByID(id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	if err != nil {
		t.Fatalf("View: %v", err)
	}
	return found
}

func TestSchemaVersion(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	if v, err := Version(t.Context(), dbURL); err != nil || v != 0 {
		t.Fatalf("Version of an empty schema = %d, %v; want 0", v, err)
	}
	s := openTest(t, dbURL, Options{})
	if v, err := s.SchemaVersion(t.Context()); err != nil || v != SchemaVersion() || v < 1 {
		t.Fatalf("SchemaVersion = %d, %v; want %d (and at least 1)", v, err, SchemaVersion())
	}
	if v, err := Version(t.Context(), dbURL); err != nil || v != SchemaVersion() {
		t.Fatalf("Version = %d, %v; want %d", v, err, SchemaVersion())
	}
	if from, to, err := Migrate(t.Context(), dbURL); err != nil || from != SchemaVersion() || to != SchemaVersion() {
		t.Fatalf("Migrate of a current schema = %d, %d, %v; want nothing to do", from, to, err)
	}
}

func TestRefusesNewerSchema(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	s := openTest(t, dbURL, Options{})
	s.Close()
	pgtest.Exec(t, dbURL, `INSERT INTO schema_migrations (version) VALUES ($1)`, SchemaVersion()+1)
	want := fmt.Sprintf("database schema version %d is newer than this siegel (%d): upgrade siegel",
		SchemaVersion()+1, SchemaVersion())
	s2, err := Open(t.Context(), dbURL, Options{})
	if err == nil {
		s2.Close()
		t.Fatalf("Open of a database from a newer siegel succeeded")
	}
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("Open of a newer database: %v; want %q", err, want)
	}
	if _, _, err := Migrate(t.Context(), dbURL); err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("Migrate of a newer database: %v; want %q", err, want)
	}
}

// TestConcurrentMigrations: nodes starting together on a fresh database all
// open it, and the schema is migrated exactly once.
func TestConcurrentMigrations(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	const opens, migrates = 3, 3
	var wg sync.WaitGroup
	errs := make(chan error, opens+migrates)
	var fresh atomic.Int32
	for range opens {
		wg.Go(func() {
			s, err := Open(t.Context(), dbURL, Options{MaxConns: 2})
			if err == nil {
				err = s.Update(t.Context(), func(tx store.Tx) error { return tx.AddDailyUsage("a", "d", 1, 1) })
				s.Close()
			}
			errs <- err
		})
	}
	for range migrates {
		wg.Go(func() {
			from, to, err := Migrate(t.Context(), dbURL)
			if err == nil && from == 0 {
				fresh.Add(1)
			}
			if err == nil && to != SchemaVersion() {
				err = fmt.Errorf("Migrate brought the schema to %d, want %d", to, SchemaVersion())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Open or Migrate: %v", err)
		}
	}
	if fresh.Load() > 1 {
		t.Errorf("%d Migrate calls found the schema empty, want at most one", fresh.Load())
	}
	s := openTest(t, dbURL, Options{})
	var rows int
	if err := s.pool.QueryRow(t.Context(), `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != SchemaVersion() {
		t.Errorf("schema_migrations holds %d rows, want %d: one per migration", rows, SchemaVersion())
	}
	var m int
	if err := s.View(t.Context(), func(tx store.Tx) (err error) { m, _, err = tx.DailyUsage("a", "d"); return err }); err != nil || m != opens {
		t.Errorf("DailyUsage after %d stores counted once each = %d, %v", opens, m, err)
	}
}

func TestSearchPathIsolates(t *testing.T) {
	t.Parallel()
	a := openTest(t, pgtest.TestURL(t), Options{})
	b := openTest(t, pgtest.TestURL(t), Options{})
	if err := a.Update(t.Context(), insert("acct-a")); err != nil {
		t.Fatal(err)
	}
	if has(t, b, "acct-a") {
		t.Fatalf("a store on another schema sees acct-a")
	}
}

func TestPreCommit(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	fail := errors.New("blob sync failed")
	var failing atomic.Bool
	s := openTest(t, pgtest.TestURL(t), Options{PreCommit: func(context.Context) error {
		calls.Add(1)
		if failing.Load() {
			return fail
		}
		return nil
	}})
	if err := s.Update(t.Context(), insert("acct-1")); err != nil || calls.Load() != 1 {
		t.Fatalf("Update = %v with %d PreCommit calls, want nil and 1", err, calls.Load())
	}
	// Nothing written, nothing to make durable.
	if err := s.Update(t.Context(), func(tx store.Tx) error { _, err := tx.AccountByID("acct-1"); return err }); err != nil || calls.Load() != 1 {
		t.Fatalf("read-only Update = %v with %d PreCommit calls, want nil and 1", err, calls.Load())
	}
	failing.Store(true)
	if err := s.Update(t.Context(), insert("acct-2")); !errors.Is(err, fail) {
		t.Fatalf("Update whose PreCommit fails = %v, want %v", err, fail)
	}
	if has(t, s, "acct-2") {
		t.Fatalf("acct-2 landed although PreCommit failed")
	}
}

// TestSavepointRerun: a function that goes on after a failed write runs
// again with savepoints, and what it wrote before and after lands once.
func TestSavepointRerun(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.TestURL(t), Options{})
	if err := s.Update(t.Context(), insert("acct-1")); err != nil {
		t.Fatal(err)
	}
	runs := 0
	err := s.Update(t.Context(), func(tx store.Tx) error {
		runs++
		if err := tx.AddDailyUsage("acct-1", "d", 1, 0); err != nil {
			return err
		}
		if err := tx.InsertAccount(acct("acct-1")); !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("InsertAccount(existing) = %v, want ErrConflict", err)
		}
		return tx.AddDailyUsage("acct-1", "d", 0, 1)
	})
	if err != nil || runs != 2 {
		t.Fatalf("Update = %v after %d runs, want nil after 2 (bare, then with savepoints)", err, runs)
	}
	var m, r int
	if err := s.View(t.Context(), func(tx store.Tx) (err error) { m, r, err = tx.DailyUsage("acct-1", "d"); return err }); err != nil || m != 1 || r != 1 {
		t.Fatalf("DailyUsage = %d, %d, %v; want 1, 1", m, r, err)
	}
	// A function that returns the failure runs once.
	runs = 0
	err = s.Update(t.Context(), func(tx store.Tx) error { runs++; return tx.InsertAccount(acct("acct-1")) })
	if !errors.Is(err, store.ErrConflict) || runs != 1 {
		t.Fatalf("Update = %v after %d runs, want ErrConflict after 1", err, runs)
	}
}

// TestLeaseRace: nodes leasing from one queue never get the same job, even
// as SERIALIZABLE makes some of them run again, and all jobs get done.
func TestLeaseRace(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.TestURL(t), Options{})
	const jobs, nodes, batch = 400, 2, 10
	now := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	var all []*store.Job
	for i := range jobs {
		all = append(all, &store.Job{ID: fmt.Sprintf("j-%04d", i), Kind: "deliver", Key: fmt.Sprintf("k-%04d", i),
			RunAt: now.Add(-time.Duration(i) * time.Millisecond), CreatedAt: now})
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Enqueue(all...) }); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	leasedBy := map[string]string{}
	var runs atomic.Int32
	start := time.Now()
	var wg sync.WaitGroup
	for n := range nodes {
		node := fmt.Sprintf("node-%d", n)
		wg.Go(func() {
			for {
				var got []store.Job
				err := s.Update(t.Context(), func(tx store.Tx) (err error) {
					runs.Add(1)
					got, err = tx.LeaseJobs("deliver", node, now, now.Add(time.Hour), batch)
					return err
				})
				if err != nil {
					t.Errorf("%s: LeaseJobs: %v", node, err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					if other, ok := leasedBy[j.ID]; ok {
						t.Errorf("%s leased by %s and %s", j.ID, other, node)
					}
					leasedBy[j.ID] = node
				}
				mu.Unlock()
				err = s.Update(t.Context(), func(tx store.Tx) error {
					for _, j := range got {
						if err := tx.CompleteJob(j.ID, node, j.Attempts); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					t.Errorf("%s: CompleteJob: %v", node, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if len(leasedBy) != jobs {
		t.Errorf("%d of %d jobs leased", len(leasedBy), jobs)
	}
	leases := (jobs + batch - 1) / batch
	t.Logf("%d jobs in %v by %d nodes: %d LeaseJobs runs for at least %d leases (%d ran again)",
		jobs, time.Since(start).Round(time.Millisecond), nodes, runs.Load(), leases, int(runs.Load())-leases-nodes)
}

// TestHotRow: many writers of one row all finish, none after more than
// aloneFrom attempts: from then on an Update runs alone in the process, and
// nothing can beat it to the row. Writers of rows of their own go on
// meanwhile.
func TestHotRow(t *testing.T) {
	t.Parallel()
	attempts := &attemptLog{}
	s := openTest(t, pgtest.TestURL(t), Options{Log: slog.New(attempts)})
	const hot, cold, each = 30, 5, 10
	var wg sync.WaitGroup
	for i := range hot + cold {
		id := "acct-hot"
		if i >= hot {
			id = fmt.Sprintf("acct-cold-%d", i)
		}
		wg.Go(func() {
			for range each {
				err := s.Update(t.Context(), func(tx store.Tx) error {
					if _, _, err := tx.DailyUsage(id, "2025-03-14"); err != nil {
						return err
					}
					return tx.AddDailyUsage(id, "2025-03-14", 1, 1)
				})
				if err != nil {
					t.Errorf("Update of %s: %v", id, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if m, _, err := dailyUsage(t, s, "acct-hot"); err != nil || m != hot*each {
		t.Errorf("hot DailyUsage = %d, %v; want %d", m, err, hot*each)
	}
	if max := attempts.max.Load(); max >= aloneFrom {
		t.Errorf("an Update failed in attempt %d, want every one to succeed by attempt %d", max, aloneFrom)
	}
	t.Logf("%d Updates, %d ran again, in attempt %d at most", (hot+cold)*each, attempts.n.Load(), attempts.max.Load()+1)
}

func dailyUsage(t *testing.T, s store.Store, id string) (m, r int, err error) {
	err = s.View(t.Context(), func(tx store.Tx) (err error) {
		m, r, err = tx.DailyUsage(id, "2025-03-14")
		return err
	})
	return m, r, err
}

// attemptLog counts the store's "running the transaction again" messages
// and keeps the highest attempt that failed.
type attemptLog struct{ n, max atomic.Int64 }

func (*attemptLog) Enabled(context.Context, slog.Level) bool { return true }
func (*attemptLog) WithAttrs([]slog.Attr) slog.Handler       { panic("unused") }
func (*attemptLog) WithGroup(string) slog.Handler            { panic("unused") }

func (l *attemptLog) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "attempt" {
			l.n.Add(1)
			for v := a.Value.Int64(); ; {
				if old := l.max.Load(); v <= old || l.max.CompareAndSwap(old, v) {
					break
				}
			}
		}
		return true
	})
	return nil
}

// TestLostConnection: a transaction whose connection dies fails with
// ErrUnavailable and leaves nothing; the next ones succeed on new
// connections.
func TestLostConnection(t *testing.T) {
	t.Parallel()
	dbURL, app := withAppName(t, pgtest.TestURL(t))
	s := openTest(t, dbURL, Options{MaxConns: 4})
	if err := s.Update(t.Context(), insert("acct-1")); err != nil {
		t.Fatal(err)
	}

	// In flight: the Update has written and waits; its backend is killed.
	wrote, resume := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(context.Background(), func(tx store.Tx) error {
			if err := tx.InsertAccount(acct("acct-lost")); err != nil {
				return err
			}
			close(wrote)
			<-resume
			return tx.AddDailyUsage("acct-lost", "d", 1, 1)
		})
	}()
	<-wrote
	terminate(t, app)
	close(resume)
	if err := <-done; !errors.Is(err, store.ErrUnavailable) {
		t.Fatalf("Update whose connection died = %v, want ErrUnavailable", err)
	}
	if has(t, s, "acct-lost") {
		t.Fatalf("the cut-off Update left its account")
	}

	// Idle: every pooled connection dies between requests. The next
	// requests find out and connect afresh.
	for i := range 3 {
		if err := s.View(t.Context(), func(tx store.Tx) error { _, err := tx.AccountByID("acct-1"); return err }); err != nil {
			t.Fatal(err)
		}
		terminate(t, app)
		if err := s.Peek(t.Context(), func(tx store.Tx) error { _, err := tx.AccountByID("acct-1"); return err }); err != nil {
			t.Errorf("round %d: Peek after the connections died: %v", i, err)
		}
		terminate(t, app)
		if err := s.View(t.Context(), func(tx store.Tx) error { _, err := tx.AccountByID("acct-1"); return err }); err != nil {
			t.Errorf("round %d: View after the connections died: %v", i, err)
		}
		terminate(t, app)
		if err := s.Update(t.Context(), insert(fmt.Sprintf("acct-after-%d", i))); err != nil {
			t.Errorf("round %d: Update after the connections died: %v", i, err)
		}
	}
}

// TestUnreachable: a server that cannot be reached is ErrUnavailable, and a
// closed store too; a canceled context is the context's error.
func TestUnreachable(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.TestURL(t), Options{})
	u, err := url.Parse(pgtest.BaseURL(t))
	if err != nil {
		t.Fatal(err)
	}
	u.Host = "127.0.0.1:1" // nothing listens there
	if _, err := Open(t.Context(), u.String(), Options{}); !errors.Is(err, store.ErrUnavailable) {
		t.Errorf("Open of an unreachable server = %v, want ErrUnavailable", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := s.Update(ctx, insert("acct-1")); !errors.Is(err, context.Canceled) {
		t.Errorf("Update(canceled) = %v, want context.Canceled", err)
	}
	// Canceled in the middle of a statement.
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	err = s.View(ctx, func(tx store.Tx) error {
		return tx.(*txn).row(`SELECT pg_sleep(5)`, nil, func(r pgx.Row) error { return r.Scan(nil) })
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("View cut by its deadline = %v, want context.DeadlineExceeded", err)
	}
	s.Close()
	for name, op := range map[string]func(context.Context, func(store.Tx) error) error{
		"Update": s.Update, "View": s.View, "Peek": s.Peek,
	} {
		err := op(t.Context(), func(tx store.Tx) error { _, err := tx.AccountByID("acct-1"); return err })
		if !errors.Is(err, store.ErrUnavailable) {
			t.Errorf("%s after Close = %v, want ErrUnavailable", name, err)
		}
	}
}

// TestResolveCommit: the outcome of a COMMIT whose answer was lost is looked
// up. A backend that never got its COMMIT is ended, so its transaction
// aborts; a committed transaction is reported as committed.
func TestResolveCommit(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	s := openTest(t, dbURL, Options{})
	cause := fmt.Errorf("%w: connection reset", store.ErrUnavailable)
	for _, commit := range []bool{false, true} {
		conn, err := pgx.Connect(t.Context(), dbURL)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		id := fmt.Sprintf("acct-%v", commit)
		var xid string
		var started time.Time
		if _, err := conn.Exec(t.Context(), "BEGIN"); err != nil {
			t.Fatal(err)
		}
		if _, err := conn.Exec(t.Context(), `INSERT INTO released_addresses (address, released_at) VALUES ($1, now())`, id); err != nil {
			t.Fatal(err)
		}
		if err := conn.QueryRow(t.Context(), "SELECT pg_current_xact_id()::text, pg_postmaster_start_time()").Scan(&xid, &started); err != nil {
			t.Fatal(err)
		}
		if commit {
			if _, err := conn.Exec(t.Context(), "COMMIT"); err != nil {
				t.Fatal(err)
			}
		}
		// Without COMMIT, the transaction is open and idle, as when the
		// COMMIT was lost on the way.
		err = s.resolve(xid, conn.PgConn().PID(), started, cause)
		var taken bool
		if verr := s.View(t.Context(), func(tx store.Tx) (err error) { taken, err = tx.AddressTaken(id, time.Time{}); return err }); verr != nil {
			t.Fatal(verr)
		}
		switch {
		case commit && (err != nil || !taken):
			t.Errorf("resolve of a committed transaction = %v (landed: %v), want nil", err, taken)
		case !commit && (!errors.Is(err, store.ErrUnavailable) || taken):
			t.Errorf("resolve of an open transaction = %v (landed: %v), want ErrUnavailable and nothing landed", err, taken)
		}
	}
}

// withAppName gives the URL's connections an application_name of their own,
// by which terminate finds them.
func withAppName(t *testing.T, dbURL string) (string, string) {
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	app := "siegeltest-" + q.Get("search_path")
	q.Set("application_name", app)
	u.RawQuery = q.Encode()
	return u.String(), app
}

// terminate ends the server processes of the connections named app, as a
// server restart or a failover would.
func terminate(t *testing.T, app string) {
	t.Helper()
	pgtest.Exec(t, pgtest.BaseURL(t), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1`, app)
	// pg_terminate_backend signals; wait until they are gone.
	deadline := time.Now().Add(10 * time.Second)
	for {
		conn, err := pgx.Connect(t.Context(), pgtest.BaseURL(t))
		if err != nil {
			t.Fatal(err)
		}
		var n int
		err = conn.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity WHERE application_name = $1`, app).Scan(&n)
		conn.Close(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d backends of %s still running", n, app)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestResolveAfterRestart: once the server has restarted since the
// transaction ran, a status of "committed" is trusted only for an id below
// the checkpoint's next id, since ids past it may have been handed out
// again after the crash.
func TestResolveAfterRestart(t *testing.T) {
	t.Parallel()
	s := openTest(t, pgtest.TestURL(t), Options{})
	var xid string
	var started time.Time
	if err := s.pool.QueryRow(t.Context(), "SELECT pg_current_xact_id()::text, pg_postmaster_start_time()").Scan(&xid, &started); err != nil {
		t.Fatal(err)
	}
	restarted := started.Add(-time.Hour) // as if the server had started again since
	if reused, err := s.reusedAfterRestart(t.Context(), xid, started); err != nil || reused {
		t.Fatalf("no restart: reused %v, %v", reused, err)
	}
	var next string
	if err := s.pool.QueryRow(t.Context(), "SELECT next_xid FROM pg_control_checkpoint()").Scan(&next); err != nil {
		t.Fatal(err)
	}
	// The transaction is past the last checkpoint (until one is made).
	reused, err := s.reusedAfterRestart(t.Context(), xid, restarted)
	if err != nil {
		t.Fatal(err)
	}
	if !reused {
		t.Logf("a checkpoint (next %s) came after transaction %s already; not checked", next, xid)
	}
	// An id far below the checkpoint's next one is trusted.
	if reused, err := s.reusedAfterRestart(t.Context(), "3", restarted); err != nil || reused {
		t.Fatalf("an old id after a restart: reused %v, %v", reused, err)
	}
	if _, err := s.reusedAfterRestart(t.Context(), "not a number", restarted); err == nil {
		t.Fatal("a malformed id was taken")
	}
}
