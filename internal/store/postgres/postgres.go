// Package postgres is the shared store: PostgreSQL, for a provider that runs on
// several nodes or wants its database managed apart from the mail nodes
// (DESIGN "Storage"). It passes the same conformance suite as the embedded
// SQLite store (store/storetest).
//
// Each Update is one PostgreSQL transaction at SERIALIZABLE isolation, so that
// the read-then-write checks of the domain (a daily limit, an address still
// free, the next history sequence number) hold across nodes exactly as they do
// behind SQLite's single writer. Nothing is grouped in Go: concurrent commits
// already share WAL flushes inside the server. A transaction that loses a
// serialization conflict is run again from the start (tx.go); the store
// contract allows a function to run more than once.
//
// Failures to reach the server wrap store.ErrUnavailable, and keep the
// contract's promise that such a transaction did not commit: a connection lost
// during COMMIT is resolved by asking the server what became of the
// transaction (commit.go).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/semaphore"

	"github.com/siegel-mail/siegel/internal/store"
)

// Options tune a store. The zero value is a sound default.
type Options struct {
	// MaxConns caps the pool; 0 keeps the URL's pool_max_conns or pgxpool's
	// default (the number of CPUs, at least 4). Every transaction holds one
	// connection while it runs.
	MaxConns int32
	// StatementTimeout bounds each statement on the server, so that a
	// runaway query cannot hold a connection when the caller set no deadline;
	// 0 leaves the server's setting.
	StatementTimeout time.Duration
	// PreCommit runs before the COMMIT of each Update that wrote: the blob
	// store's Sync, so that bodies are durable before the rows that name them.
	// When it fails, the transaction rolls back and Update returns its error.
	PreCommit func(context.Context) error
	// Log receives what the store recovers from on its own (retries, lost
	// connections, commits whose outcome had to be looked up).
	Log *slog.Logger
}

// Store is the PostgreSQL store.
type Store struct {
	pool      *pgxpool.Pool
	log       *slog.Logger
	preCommit func(context.Context) error
	// turn is held by the one Update of this process retrying in its turn;
	// gate is shared by the Updates running, and taken whole by one that
	// runs alone (Update).
	turn   chan struct{}
	gate   *semaphore.Weighted
	closed atomic.Bool
}

// Open connects to the database at url (a postgres:// URL; query parameters
// pgx does not know, such as search_path, are sent as run-time parameters),
// applies the migrations this build knows and returns the store. It refuses a
// database migrated by a newer Siegel.
func Open(ctx context.Context, url string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("store: postgres url: %w", err)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	// Migrations run without the statement timeout: building an index on a
	// large table may take long.
	if _, _, err := migrate(ctx, cfg.ConnConfig.Copy()); err != nil {
		return nil, err
	}
	if opts.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(opts.StatementTimeout.Milliseconds())
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("store: postgres pool: %w", err)
	}
	return &Store{pool: pool, log: opts.Log, preCommit: opts.PreCommit,
		turn: make(chan struct{}, 1), gate: semaphore.NewWeighted(gateAll)}, nil
}

// Close waits for the transactions running and closes the pool. Calls after
// it fail with store.ErrUnavailable.
func (s *Store) Close() error {
	s.closed.Store(true)
	s.pool.Close()
	return nil
}

// SchemaVersion returns the newest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.pool.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	return v, mapErr(ctx, err, nil)
}

// View runs fn in a read-only snapshot. REPEATABLE READ READ ONLY never fails
// for serialization, so fn runs once.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	conn, err := s.begin(ctx, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
	if err != nil {
		return err
	}
	defer s.end(conn)
	t := &txn{ctx: ctx, s: s, db: conn.Conn(), conn: conn.Conn(), mode: readMode}
	err = fn(t)
	if err == nil && t.stop != nil {
		// fn swallowed the failure of a statement; what it read after that
		// is not to be trusted.
		return t.stop
	}
	return err
}

// Peek runs fn's single statement on a pooled connection, in the server's
// implicit one-statement transaction.
func (s *Store) Peek(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return fn(&txn{ctx: ctx, s: s, db: s.pool, mode: peekMode})
}

// begin acquires a connection and starts a transaction with sql. A pooled
// connection may have died while idle (the server restarted, a failover): as
// nothing ran yet, it tries once more on a fresh one.
func (s *Store) begin(ctx context.Context, sql string) (*pgxpool.Conn, error) {
	for try := 0; ; try++ {
		conn, err := s.pool.Acquire(ctx)
		if err != nil {
			s.lost(ctx, err, nil)
			return nil, mapErr(ctx, err, nil)
		}
		_, err = conn.Exec(ctx, sql)
		if err == nil {
			return conn, nil
		}
		dead := s.lost(ctx, err, conn.Conn())
		err = mapErr(ctx, err, conn.Conn())
		conn.Release()
		if try > 0 || !dead {
			return nil, err
		}
	}
}

// end rolls back what is left of a transaction and returns the connection.
// The rollback gets a context of its own: the caller's may have ended, and a
// connection left inside a transaction is not reused (pgxpool closes it).
func (s *Store) end(conn *pgxpool.Conn) {
	if c := conn.Conn(); !c.IsClosed() && c.PgConn().TxStatus() != 'I' {
		ctx, cancel := context.WithTimeout(context.Background(), cleanupTimeout)
		_, _ = c.Exec(ctx, "ROLLBACK")
		cancel()
	}
	conn.Release()
}

// cleanupTimeout bounds a ROLLBACK sent after the caller's context ended.
const cleanupTimeout = 5 * time.Second

// lost reports whether err means that the connection died (rather than that
// a statement failed or the caller gave up). Then every pooled connection is
// likely as dead (a restart, a failover): the pool drops them, so that the
// next transactions connect afresh instead of finding out one by one.
func (s *Store) lost(ctx context.Context, err error, conn *pgx.Conn) bool {
	if err == nil || ctx.Err() != nil || s.closed.Load() {
		return false
	}
	var pgErr *pgconn.PgError
	dead := conn != nil && conn.IsClosed()
	if errors.As(err, &pgErr) {
		dead = dead || pgErr.Severity == "FATAL" || pgErr.Severity == "PANIC" ||
			(unavailableCode(pgErr.Code) && pgErr.Code != "57014" && pgErr.Code != "53300")
	} else {
		dead = dead || connectionLost(err)
	}
	if dead {
		s.log.Warn("postgres: lost the connection; reconnecting", "err", err)
		s.pool.Reset()
	}
	return dead
}
