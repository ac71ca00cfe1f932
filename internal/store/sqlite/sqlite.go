// Package sqlite is the embedded store: SQLite in WAL mode in the provider's data
// folder, the default for a provider on one machine (DESIGN "Storage").
//
// Writes go through a committer goroutine. Concurrent Update calls queue up; the
// committer takes everything queued, runs the functions inside one transaction
// (retrying with a savepoint each when one fails), and commits once; a syncer
// goroutine then fdatasyncs the WAL once for every group committed meanwhile
// and only then answers the callers (durable.go). A group of 50 letter accepts
// costs one fsync instead of 50. Checkpoints run on a connection of their own
// (checkpoint.go). Reads use a pool of read-only connections and see the last
// committed snapshot.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
	_ "modernc.org/sqlite" // the SQLite driver, in pure Go: no cgo toolchain needed
)

// Options tune a store.
type Options struct {
	// PreCommit runs before each group commit, after all of the group's functions
	// ran: the blob store's Sync, so that bodies are durable before the rows that
	// name them.
	PreCommit func(context.Context) error
	// MaxGroup caps how many Updates share a commit.
	MaxGroup int
	// GroupWait is how long a group waits for company before it commits.
	GroupWait time.Duration
	// Log receives what goes wrong in the background (checkpoints).
	Log *slog.Logger
}

// Store is the SQLite store.
type Store struct {
	migratedFrom int     // the schema version Open found
	w            *sql.DB // one connection, used only by the committer
	r            *sql.DB // read-only pool
	ws, rs       *stmtCache
	opts         Options
	queue        chan *request
	commits      chan committed // to the syncer
	synced       chan struct{}  // closed when the syncer has stopped
	wal          *walSyncer
	states       *stateCache   // used by the committer only
	ckpt         *sql.DB       // the checkpointer's connection
	nudge        chan struct{} // commits nudge the checkpointer
	checkpointed chan struct{}
	walPages     int // frames written since the last nudge
	closing      chan struct{}
	done         chan struct{}
	once         sync.Once
	closeMu      sync.RWMutex
	closed       bool
}

type request struct {
	ctx  context.Context
	fn   func(store.Tx) error
	done chan error
}

// Open opens (creating if needed) the database at path and applies migrations.
// It refuses a database written by a newer Siegel.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if opts.MaxGroup <= 0 {
		opts.MaxGroup = 128
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	if opts.GroupWait <= 0 {
		opts.GroupWait = 3 * time.Millisecond
	}
	pragmas := []string{
		"journal_mode(WAL)",
		// Commits do not wait for the disk; the syncer fdatasyncs the WAL before
		// any caller hears of its commit (durable.go).
		"synchronous(NORMAL)",
		"busy_timeout(10000)",
		"foreign_keys(1)",
		"temp_store(MEMORY)",    // savepoint journals stay off the disk
		"wal_autocheckpoint(0)", // checkpoint.go checkpoints beside the committer
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	if err := private(path); err != nil {
		return nil, err
	}
	w, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// The committer runs one transaction at a time. A second connection lets the
	// statement cache prepare a new query while that transaction holds the first;
	// database/sql then binds the statement to whichever connection runs it.
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	w.SetConnMaxLifetime(0)
	from, err := migrate(ctx, w)
	if err != nil {
		w.Close()
		return nil, err
	}
	ckptQuery := url.Values{}
	for _, p := range q["_pragma"] {
		if strings.HasPrefix(p, "busy_timeout") {
			// A RESTART checkpoint holds off the writer while it waits for
			// readers: never long.
			p = "busy_timeout(200)"
		}
		ckptQuery.Add("_pragma", p)
	}
	q.Add("_pragma", "query_only(1)")
	q.Del("_txlock")
	r, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("open %s for reading: %w", path, err)
	}
	r.SetMaxOpenConns(max(4, 2*runtime.GOMAXPROCS(0)))
	r.SetMaxIdleConns(max(4, 2*runtime.GOMAXPROCS(0)))
	s := &Store{migratedFrom: from, w: w, r: r, ws: newStmtCache(w), rs: newStmtCache(r), opts: opts, queue: make(chan *request, 1024),
		closing: make(chan struct{}), done: make(chan struct{}),
		commits: make(chan committed, 8), states: newStateCache(), synced: make(chan struct{}), wal: &walSyncer{path: path + "-wal"}}
	ckpt, err := sql.Open("sqlite", "file:"+path+"?"+ckptQuery.Encode())
	if err != nil {
		w.Close()
		r.Close()
		return nil, err
	}
	ckpt.SetMaxOpenConns(1)
	s.ckpt, s.nudge, s.checkpointed = ckpt, make(chan struct{}, 1), make(chan struct{})
	go s.commitLoop()
	go s.syncLoop()
	go s.checkpointLoop(ckpt)
	return s, nil
}

// Close stops the committer after the queued Updates and closes the database.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closeMu.Lock()
		s.closed = true
		close(s.closing)
		s.closeMu.Unlock()
	})
	<-s.done
	<-s.synced
	<-s.checkpointed
	s.wal.close()
	s.ws.close()
	s.rs.close()
	return errors.Join(s.r.Close(), s.ckpt.Close(), s.w.Close())
}

// SchemaVersion returns the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.r.QueryRowContext(ctx, `SELECT COALESCE(MAX(version),0) FROM schema_migrations`).Scan(&v)
	return v, err
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	tx, err := s.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer tx.Rollback()
	return fn(&txn{ctx: ctx, q: cachedTx{tx, s.rs}, readOnly: true})
}

// Peek runs fn's single statement on a pooled reader without BEGIN/ROLLBACK.
func (s *Store) Peek(ctx context.Context, fn func(store.Tx) error) error {
	return fn(&txn{ctx: ctx, q: &onceDB{db: s.r, cache: s.rs}, readOnly: true})
}

// Update queues fn for the next group commit and waits until that commit is
// durable or failed.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	req := &request{ctx: ctx, fn: fn, done: make(chan error, 1)}
	// The read lock keeps Close from stopping the committer between the check
	// and the send, so that no request is queued where nobody will answer it.
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return errors.New("store: closed")
	}
	select {
	case s.queue <- req:
		s.closeMu.RUnlock()
	case <-ctx.Done():
		s.closeMu.RUnlock()
		return ctx.Err()
	}
	// Once queued, wait for the outcome even if ctx ends: the caller must learn
	// whether its write landed.
	return noSpace(<-req.done)
}

// noSpace marks SQLITE_FULL (13: the disk, or the database, is full) as
// store.ErrFull, which the API answers with a temporary error that says so:
// the group's transaction was rolled back, nothing of it is committed, and
// the write may succeed once space is freed.
func noSpace(err error) error {
	var coder interface{ Code() int }
	if errors.As(err, &coder) && coder.Code()&0xff == 13 {
		return fmt.Errorf("%w: %w", store.ErrFull, err)
	}
	return err
}

func (s *Store) commitLoop() {
	lastGroup := 1
	defer close(s.done)
	defer close(s.commits)
	for {
		// A fresh slice per group: the syncer still holds the previous one.
		batch := make([]*request, 0, 64)
		select {
		case req := <-s.queue:
			batch = append(batch, req)
		case <-s.closing:
			// Drain what is queued, then stop.
			for {
				select {
				case req := <-s.queue:
					s.commitGroup([]*request{req})
				default:
					return
				}
			}
		}
		// Under load, let the group fill for a moment: each commit costs about
		// the same whether it carries one accept or fifty. A writer that came
		// alone after a lone group does not wait: no company is likely.
		wait := time.NewTimer(s.opts.GroupWait)
	fill:
		for len(batch) < s.opts.MaxGroup {
			select {
			case req := <-s.queue:
				batch = append(batch, req)
			default:
				if len(batch) >= s.opts.MaxGroup/4 || (len(batch) == 1 && lastGroup == 1) {
					break fill
				}
				select {
				case req := <-s.queue:
					batch = append(batch, req)
				case <-wait.C:
					break fill
				}
			}
		}
		wait.Stop()
		lastGroup = len(batch)
		s.commitGroup(batch)
	}
}

// commitGroup runs a group in one transaction and commits it. It first runs
// every function straight after another; savepoints cost two statements per
// function, and failures are rare. When one fails, the transaction is rolled
// back and the group runs again with a savepoint per function, so that only the
// failing one is undone.
func (s *Store) commitGroup(batch []*request) {
	ctx := context.Background()
	results := make([]error, len(batch))
	fail := func(err error) {
		for _, r := range batch {
			r.done <- err
		}
	}
	// After a failed fdatasync nothing more is committed: readers would see
	// letters whose senders were told they failed.
	if err := s.wal.err(); err != nil {
		fail(err)
		return
	}
	defer s.states.endGroup()
	tx, ok, err := s.runGroup(ctx, batch, results, false)
	if err == errRetry {
		tx, ok, err = s.runGroup(ctx, batch, results, true)
	}
	if err != nil {
		fail(err)
		return
	}
	if ok > 0 && s.opts.PreCommit != nil {
		if err := s.opts.PreCommit(ctx); err != nil {
			tx.Rollback()
			fail(fmt.Errorf("store: pre-commit: %w", err))
			return
		}
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("store: commit: %w", err))
		return
	}
	s.commits <- committed{batch: batch, results: results}
	if s.walPages += len(batch); s.walPages >= checkpointPages/8 {
		// Roughly: a letter writes a handful of pages. The checkpointer
		// decides by the WAL's real size.
		s.walPages = 0
		s.nudgeCheckpoint()
	}
}

var errRetry = errors.New("store: retry the group with savepoints")

// errTxLost: a function's savepoint could be neither rolled back nor
// released, because SQLite had rolled back the whole transaction. It does
// so after some errors (SQLITE_FULL on a full disk, SQLITE_IOERR,
// SQLITE_NOMEM) instead of undoing only the failed statement
// (sqlite.org/lang_transaction.html, "Response To Errors Within A
// Transaction"). The group then ends, failed as a whole: a later function's
// SAVEPOINT would begin a transaction of its own outside the group, and its
// RELEASE commit it at once, though its caller would hear that the group
// failed (a letter refused and stored all the same; test/chaos, the full
// disk).
var errTxLost = errors.New("store: SQLite rolled back the whole transaction")

// runGroup begins a transaction and runs the group's functions in it, filling
// results. Without savepoints, the first failure rolls back and asks for a retry.
func (s *Store) runGroup(ctx context.Context, batch []*request, results []error, savepoints bool) (*sql.Tx, int, error) {
	tx, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("store: begin: %w", err)
	}
	ok := 0
	var buf *insertBuffer
	if !savepoints {
		buf = &insertBuffer{}
	}
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results[i] = err
			continue
		}
		if savepoints {
			results[i] = s.runOne(ctx, tx, r)
			if errors.Is(results[i], errTxLost) {
				tx.Rollback()
				return nil, 0, results[i]
			}
		} else {
			results[i] = s.runBare(ctx, tx, r, buf)
			if results[i] != nil {
				tx.Rollback()
				return nil, 0, errRetry
			}
		}
		if results[i] == nil {
			ok++
		}
	}
	if buf != nil {
		t := &txn{ctx: ctx, q: cachedTx{tx, s.ws}, buf: buf}
		if err := t.flush(); err != nil {
			tx.Rollback()
			return nil, 0, errRetry
		}
	}
	return tx, ok, nil
}

func (s *Store) runBare(ctx context.Context, tx *sql.Tx, r *request, buf *insertBuffer) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: update panicked: %v", p)
		}
	}()
	return r.fn(&txn{ctx: ctx, q: cachedTx{tx, s.ws}, states: s.states, buf: buf})
}

func (s *Store) runOne(ctx context.Context, tx *sql.Tx, r *request) (err error) {
	if _, err := tx.ExecContext(ctx, "SAVEPOINT u"); err != nil {
		return fmt.Errorf("store: savepoint: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("store: update panicked: %v", p)
		}
		if err != nil {
			_, rerr := tx.ExecContext(ctx, "ROLLBACK TO u")
			if rerr == nil {
				_, rerr = tx.ExecContext(ctx, "RELEASE u")
			}
			if rerr != nil {
				err = fmt.Errorf("%w: %w (%v)", errTxLost, err, rerr)
			}
			return
		}
		if _, rerr := tx.ExecContext(ctx, "RELEASE u"); rerr != nil {
			err = fmt.Errorf("%w: %w", errTxLost, rerr)
		}
	}()
	return r.fn(&txn{ctx: ctx, q: cachedTx{tx, s.ws}, states: s.states})
}

// querier is what both *sql.Tx kinds offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// txn implements store.Tx on one SQLite transaction.
type txn struct {
	ctx      context.Context
	q        querier
	readOnly bool
	states   *stateCache   // the committer's; nil in View
	buf      *insertBuffer // the group's, without savepoints; nil otherwise
}

var errReadOnly = errors.New("store: write in a read-only transaction")

func (t *txn) exec(query string, args ...any) error {
	if t.readOnly {
		return errReadOnly
	}
	_, err := t.q.ExecContext(t.ctx, query, args...)
	return mapErr(err)
}

func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.ErrNotFound
	}
	// SQLITE_CONSTRAINT_UNIQUE (2067) and _PRIMARYKEY (1555).
	var coder interface{ Code() int }
	if errors.As(err, &coder) && (coder.Code() == 2067 || coder.Code() == 1555) {
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	}
	return err
}

// Times are kept as Unix microseconds; 0 is the zero time.
func tm(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMicro()
}

func fromTm(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMicro(v).UTC()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// private makes the database file readable by its owner only, creating it
// so if it is new: it holds the account data and the letters' sealed
// bodies (issue 9, "Secrets": keys and the database never world-readable).
// SQLite gives its -wal and -shm files the database file's mode, so they
// follow. A file an older version made 0644 is tightened.
func private(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		if err := f.Chmod(0o600); err != nil {
			return fmt.Errorf("make %s private: %w", path, err)
		}
	}
	return nil
}
