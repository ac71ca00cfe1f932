package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/puddle/v2"

	"github.com/siegel-mail/siegel/internal/store"
)

// Update runs fn in a SERIALIZABLE transaction and commits it.
//
// PostgreSQL aborts a transaction at its first failed statement, while the
// store contract lets fn handle a failed write (say ErrConflict) and go on. A
// savepoint around every statement would cost two more round trips each, for
// a case that is rare: so fn first runs bare, and only when it went on after
// a failed statement does it run again, in a fresh transaction, with a
// savepoint around each statement (txn.run).
//
// A serialization failure or deadlock runs fn again in a fresh transaction,
// after a short jittered pause. Plain retries are unfair when many writers
// share one row (a sender's daily usage, counted by each of its accepts): the
// row is locked from the update to the end of the commit's flush, a
// transaction that waited for it fails when it is released, and the one that
// just committed is first at it again, so some writers starve. Hence turns
// (see turnFrom and aloneFrom): they make the worst case a few attempts.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	savepoints, turn := false, false
	defer func() {
		if turn {
			<-s.turn
		}
	}()
	for attempt := 1; ; attempt++ {
		if attempt == turnFrom {
			select {
			case s.turn <- struct{}{}:
				turn = true
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		next, err := s.try(ctx, fn, savepoints, attempt >= aloneFrom)
		switch {
		case next == rerun && !savepoints:
			savepoints = true
		case next == retry && attempt < maxAttempts:
			s.log.Debug("postgres: serialization failure; running the transaction again", "attempt", attempt, "err", err)
			if err := pause(ctx, attempt); err != nil {
				return err
			}
		case next == retry:
			s.log.Warn("postgres: giving up after serialization failures", "attempts", attempt, "err", err)
			return fmt.Errorf("store: %d attempts failed for serialization conflicts: %w", attempt, err)
		default:
			return err
		}
	}
}

const (
	// turnFrom is the attempt from which an Update that keeps losing
	// serialization races takes its turn: one such Update of this process
	// runs at a time (Store.turn), so that they stop aborting each other.
	turnFrom = 3
	// aloneFrom is the attempt from which the Update in its turn runs alone
	// in this process: it waits for the Updates running to end, and new ones
	// wait for it (Store.gate). Nothing of this process can then beat it to
	// a row; only other nodes can. Measured with 30 writers on one row and
	// 10 on rows of their own: no writer needs more than aloneFrom attempts,
	// and the others lose less to wasted retries than without turns.
	aloneFrom = 5
	// maxAttempts bounds the runs of one Update: with turns it is reached
	// only when other nodes keep winning.
	maxAttempts = 30
	// gateAll is Store.gate's size: an Update running alone takes it all.
	gateAll = 1 << 40
)

// pause waits before attempt+1: exponential from 1ms up to 64ms, jittered
// over the upper half, so that writers that conflicted spread out.
func pause(ctx context.Context, attempt int) error {
	d := time.Millisecond << min(attempt-1, 6)
	d = d/2 + rand.N(d/2+1)
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// next is what Update does after one run of fn.
type next int

const (
	done  next = iota // return the error (nil: committed)
	retry             // serialization failure: run fn again
	rerun             // fn went on after a failed statement: run it again with savepoints
)

// try runs fn once in a transaction of its own, alone in this process if
// alone is set. A panic in fn rolls back (the deferred end) and goes on up to
// the caller.
func (s *Store) try(ctx context.Context, fn func(store.Tx) error, savepoints, alone bool) (next, error) {
	share := int64(1)
	if alone {
		share = gateAll
	}
	if err := s.gate.Acquire(ctx, share); err != nil {
		return done, err
	}
	defer s.gate.Release(share)
	conn, err := s.begin(ctx, "BEGIN ISOLATION LEVEL SERIALIZABLE")
	if err != nil {
		return done, err
	}
	defer s.end(conn)
	t := &txn{ctx: ctx, s: s, db: conn.Conn(), conn: conn.Conn(), mode: writeMode, savepoints: savepoints}
	ferr := fn(t)
	switch {
	case t.retry:
		return retry, t.stop
	case t.aborted && (t.continued || ferr == nil):
		return rerun, t.stop
	case ferr != nil:
		return done, ferr
	case t.stop != nil:
		return done, t.stop
	}
	return s.commit(ctx, t)
}

// txMode says what a txn may do.
type txMode int

const (
	writeMode txMode = iota // Update
	readMode                // View
	peekMode                // Peek: one statement, no transaction
)

// querier is what a connection and the pool both offer.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// txn implements store.Tx on one transaction (or, in Peek, on the pool).
// Every statement goes through run.
type txn struct {
	ctx        context.Context
	s          *Store
	db         querier
	conn       *pgx.Conn // the transaction's connection; nil in Peek
	mode       txMode
	savepoints bool // each statement in a savepoint of its own
	// stop is why no further statement can run: the transaction failed.
	stop error
	// retry: stop is a serialization failure or a deadlock. aborted: stop is
	// an ordinary failed statement, which PostgreSQL makes fatal to the
	// transaction. continued: fn tried another statement after stop.
	retry, aborted, continued bool
	used                      bool // Peek: the one statement ran
	wrote                     bool // a write ran: the commit has something to lose
}

var errReadOnly = errors.New("store: write in a read-only transaction")

// run runs one statement: stmt does the I/O and returns its raw error.
func (t *txn) run(stmt func() error) error {
	if t.mode == peekMode {
		return t.runPeek(stmt)
	}
	if t.stop != nil {
		t.continued = true
		return t.stop
	}
	if t.savepoints {
		if _, err := t.conn.Exec(t.ctx, "SAVEPOINT s"); err != nil {
			return t.fail(err)
		}
	}
	err := stmt()
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return t.fail(err)
	}
	if t.savepoints {
		if _, rerr := t.conn.Exec(t.ctx, "RELEASE SAVEPOINT s"); rerr != nil {
			return t.fail(rerr)
		}
	}
	return mapErr(t.ctx, err, t.conn)
}

// runPeek runs Peek's one statement. A read is safe to repeat: when the pooled
// connection turns out dead, it runs once more on a fresh one.
func (t *txn) runPeek(stmt func() error) error {
	if t.used {
		panic("store: Peek ran a second statement; use View")
	}
	t.used = true
	err := stmt()
	if t.s.lost(t.ctx, err, nil) {
		err = stmt()
		t.s.lost(t.ctx, err, nil)
	}
	return mapErr(t.ctx, err, nil)
}

// fail records what a failed statement did to the transaction and returns
// the error fn sees.
func (t *txn) fail(err error) error {
	t.s.lost(t.ctx, err, t.conn)
	mapped := mapErr(t.ctx, err, t.conn)
	var pgErr *pgconn.PgError
	switch {
	case serializationFailure(err):
		t.stop, t.retry = mapped, true
	case !errors.As(err, &pgErr) && !errors.Is(mapped, store.ErrUnavailable) && t.ctx.Err() == nil:
		// Refused in the client (a value that does not encode or scan):
		// the server saw nothing wrong and the transaction goes on.
		if t.savepoints {
			if _, rerr := t.conn.Exec(t.ctx, "RELEASE SAVEPOINT s"); rerr != nil {
				t.s.lost(t.ctx, rerr, t.conn)
				t.stop = mapErr(t.ctx, rerr, t.conn)
			}
		}
	case errors.Is(mapped, store.ErrUnavailable) || t.ctx.Err() != nil || t.conn.IsClosed():
		t.stop = mapped
	case t.savepoints:
		// Undo this statement alone; the transaction goes on.
		if _, rerr := t.conn.Exec(t.ctx, "ROLLBACK TO SAVEPOINT s; RELEASE SAVEPOINT s"); rerr != nil {
			t.s.lost(t.ctx, rerr, t.conn)
			t.stop = mapErr(t.ctx, rerr, t.conn)
			return t.stop
		}
	default:
		t.stop = fmt.Errorf("store: transaction aborted by a failed statement: %v", mapped)
		t.aborted = true
	}
	return mapped
}

// exec runs a write and returns the number of rows it changed.
func (t *txn) exec(sql string, args ...any) (int64, error) {
	if t.mode != writeMode {
		return 0, errReadOnly
	}
	var n int64
	err := t.run(func() error {
		tag, err := t.db.Exec(t.ctx, sql, args...)
		n = tag.RowsAffected()
		return err
	})
	if err == nil {
		t.wrote = true
	}
	return n, err
}

// write is exec for writes whose row count does not matter.
func (t *txn) write(sql string, args ...any) error {
	_, err := t.exec(sql, args...)
	return err
}

// row reads one row; store.ErrNotFound when there is none.
func (t *txn) row(sql string, args []any, scan func(pgx.Row) error) error {
	return t.run(func() error { return scan(t.db.QueryRow(t.ctx, sql, args...)) })
}

// collect reads every row into a slice.
func collect[T any](t *txn, sql string, args []any, scan func(pgx.Row) (T, error)) ([]T, error) {
	var out []T
	err := t.run(func() error {
		out = nil // a statement run again starts over
		rows, err := t.db.Query(t.ctx, sql, args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			v, err := scan(rows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// mapErr turns a pgx error into the store's: no row is ErrNotFound, a unique
// violation ErrConflict, a full disk ErrFull, a failure to reach the server
// ErrUnavailable, and a statement cut short by the caller's context that
// context's error. conn is the connection the error came from, if any.
func mapErr(ctx context.Context, err error, conn *pgx.Conn) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return store.ErrNotFound
	}
	var pgErr *pgconn.PgError
	isPg := errors.As(err, &pgErr)
	if ctx.Err() != nil && (!isPg || pgErr.Code == "57014") {
		return ctx.Err()
	}
	switch {
	case isPg && pgErr.Code == "23505":
		return fmt.Errorf("%w: %v", store.ErrConflict, err)
	case isPg && pgErr.Code == "53100":
		// disk_full: raised before COMMIT (a full disk at COMMIT is a
		// PANIC, and a lost connection), so nothing was written.
		return fmt.Errorf("%w: %v", store.ErrFull, err)
	case isPg && unavailableCode(pgErr.Code), !isPg && connectionLost(err), conn != nil && conn.IsClosed():
		return fmt.Errorf("%w: %v", store.ErrUnavailable, err)
	}
	return err
}

// unavailableCode reports SQLSTATEs that mean the server cannot serve now
// (PostgreSQL appendix A): connection exceptions (class 08), a shutdown or
// start-up (57P01–57P03), too many connections, and a statement canceled
// although the caller's context had not ended (statement_timeout).
func unavailableCode(code string) bool {
	switch code {
	case "57P01", "57P02", "57P03", "53300", "57014":
		return true
	}
	return len(code) == 5 && code[:2] == "08"
}

// connectionLost reports client-side errors of a connection that failed.
func connectionLost(err error) bool {
	var connectErr *pgconn.ConnectError
	var netErr net.Error
	return errors.As(err, &connectErr) || errors.As(err, &netErr) || pgconn.Timeout(err) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, pgconn.ErrConnClosed) || errors.Is(err, puddle.ErrClosedPool)
}

// serializationFailure reports the errors after which the whole transaction
// may succeed when run again (SQLSTATE 40001, 40P01).
func serializationFailure(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && (pgErr.Code == "40001" || pgErr.Code == "40P01")
}

// Times are timestamptz, NOT NULL; the zero time is -infinity, so that it
// sorts and compares before every real time, as 0 does in the SQLite store.
// PostgreSQL keeps microseconds; pgx truncates finer times.
func ts(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.NegativeInfinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

// infinity is later than every time; a listing from the newest starts there.
func infinity() pgtype.Timestamptz {
	return pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
}

// tsz scans a timestamptz into a time.Time in UTC; -infinity is the zero time.
type tsz struct{ t *time.Time }

func (s tsz) ScanTimestamptz(v pgtype.Timestamptz) error {
	switch {
	case !v.Valid || v.InfinityModifier == pgtype.NegativeInfinity:
		*s.t = time.Time{}
	case v.InfinityModifier == pgtype.Infinity:
		return errors.New("store: a time column holds infinity")
	default:
		*s.t = v.Time.UTC()
	}
	return nil
}

// nonNil binds b to a NOT NULL column: pgx binds a nil slice as NULL, but to
// callers nil and empty are the same bytes.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
