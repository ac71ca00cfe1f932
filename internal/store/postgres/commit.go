package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// A connection can fail after COMMIT was sent and before its answer came
// back; then the transaction may have committed or not. The caller would
// have to look (store.ErrUnavailable); rather than leave every caller with
// that doubt, the store looks the outcome up itself, and returns success when
// the transaction committed and ErrUnavailable when it did not. Before
// COMMIT, a transaction that wrote asks for its transaction id (one round
// trip more); after a lost COMMIT, the store asks a fresh connection for that
// id's status (pg_xact_status, PostgreSQL 13 and later). A backend that never
// received the COMMIT keeps its transaction open until it notices that its
// client is gone; the store ends that backend, which settles the outcome: the
// server holds off the termination while a commit is being written.

const (
	// commitTimeout bounds COMMIT once sent. COMMIT does not heed the
	// caller's context: the caller must learn whether its write landed.
	commitTimeout = 30 * time.Second
	// resolveTimeout bounds the search for the outcome of a lost COMMIT.
	resolveTimeout = 10 * time.Second
	resolvePoll    = 100 * time.Millisecond
)

// commit commits t, or finds out whether a lost COMMIT committed.
func (s *Store) commit(ctx context.Context, t *txn) (next, error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), commitTimeout)
	defer cancel()
	var xid *string // nil when the transaction wrote nothing
	if t.wrote && s.preCommit != nil {
		if err := s.preCommit(ctx); err != nil {
			return done, fmt.Errorf("store: pre-commit: %w", err)
		}
	}
	if t.wrote {
		err := t.conn.QueryRow(ctx, "SELECT pg_current_xact_id_if_assigned()::text").Scan(&xid)
		if err != nil {
			// COMMIT was not sent: the transaction did not commit.
			s.lost(ctx, err, t.conn)
			return done, mapErr(ctx, err, t.conn)
		}
	}
	pid := t.conn.PgConn().PID()
	tag, err := t.conn.Exec(ctx, "COMMIT")
	switch {
	case err == nil && tag.String() == "COMMIT":
		return done, nil
	case err == nil:
		// The server answered ROLLBACK: the transaction had failed unseen.
		return done, fmt.Errorf("store: commit rolled back (%s)", tag)
	case serializationFailure(err):
		return retry, mapErr(ctx, err, t.conn)
	}
	s.lost(ctx, err, t.conn)
	mapped := mapErr(ctx, err, t.conn)
	if xid == nil || !errors.Is(mapped, store.ErrUnavailable) {
		// The server refused the commit, or there was nothing to lose.
		return done, mapped
	}
	return done, s.resolve(*xid, pid, mapped)
}

// resolve finds out whether transaction xid, whose COMMIT went unanswered on
// the connection to backend pid, committed: nil if it did, cause (which wraps
// store.ErrUnavailable) if it did not, and cause saying that the outcome is
// unknown when the server cannot tell within resolveTimeout.
func (s *Store) resolve(xid string, pid uint32, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	for {
		status, err := s.xactStatus(ctx, xid, pid)
		switch status {
		case "committed":
			s.log.Warn("postgres: lost the answer to COMMIT; the transaction committed", "xid", xid, "err", cause)
			return nil
		case "aborted":
			s.log.Warn("postgres: lost the answer to COMMIT; the transaction did not commit", "xid", xid, "err", cause)
			return cause
		}
		select {
		case <-ctx.Done():
			s.log.Error("postgres: lost the answer to COMMIT; its outcome is unknown", "xid", xid, "err", cause, "lookup", err)
			return fmt.Errorf("%w (transaction %s may or may not have committed; looking it up: %v)", cause, xid, err)
		case <-time.After(resolvePoll):
		}
	}
}

// xactStatus returns the status of transaction xid: "committed", "aborted" or
// "in progress". While it is in progress on backend pid, it ends that backend.
func (s *Store) xactStatus(ctx context.Context, xid string, pid uint32) (string, error) {
	var status *string // NULL: too old to tell, which cannot be for a transaction just seen
	if err := s.pool.QueryRow(ctx, "SELECT pg_xact_status($1::xid8)", xid).Scan(&status); err != nil {
		return "", err
	}
	if status == nil {
		return "", errors.New("pg_xact_status is null")
	}
	if *status == "in progress" {
		// Only the backend still running this very transaction: pid may be
		// another's by now.
		_, err := s.pool.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE pid = $1 AND backend_xid = $2::xid8::xid`, int64(pid), xid)
		return *status, err
	}
	return *status, nil
}
