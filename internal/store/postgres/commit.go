package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
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
	var xid *string       // nil when the transaction wrote nothing
	var started time.Time // the server's start, to tell a restart since
	if t.wrote && s.preCommit != nil {
		if err := s.preCommit(ctx); err != nil {
			return done, fmt.Errorf("store: pre-commit: %w", err)
		}
	}
	if t.wrote {
		err := t.conn.QueryRow(ctx, "SELECT pg_current_xact_id_if_assigned()::text, pg_postmaster_start_time()").Scan(&xid, &started)
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
	return done, s.resolve(*xid, pid, started, mapped)
}

// resolve finds out whether transaction xid, whose COMMIT went unanswered on
// the connection to backend pid, committed: nil if it did, cause (which wraps
// store.ErrUnavailable) if it did not, and cause saying that the outcome is
// unknown when the server cannot tell within resolveTimeout.
func (s *Store) resolve(xid string, pid uint32, started time.Time, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), resolveTimeout)
	defer cancel()
	for {
		status, err := s.xactStatus(ctx, xid, pid)
		if status == "committed" {
			if reused, rerr := s.reusedAfterRestart(ctx, xid, started); rerr != nil {
				status, err = "", rerr
			} else if reused {
				status = "aborted"
			}
		}
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

// reusedAfterRestart reports whether the server restarted since started,
// and xid lies at or past the next transaction id of its newest checkpoint.
// Transaction ids are not written ahead: one whose records never reached
// the disk before a crash is handed out again after it, and its status is
// then the new transaction's. A transaction that committed before the
// crash wrote its id into the log, which recovery and the checkpoint at its
// end step past; an id at or past that checkpoint's next id therefore did
// not commit before the crash, whatever its status says now. (A stale
// checkpoint can only make this answer "not committed" for one that did:
// a refusal the caller may find untrue, never a write it would lose.)
func (s *Store) reusedAfterRestart(ctx context.Context, xid string, started time.Time) (bool, error) {
	var now time.Time
	var next string
	if err := s.pool.QueryRow(ctx, "SELECT pg_postmaster_start_time(), next_xid FROM pg_control_checkpoint()").Scan(&now, &next); err != nil {
		return false, err
	}
	if now.Equal(started) {
		return false, nil
	}
	id, err := strconv.ParseUint(xid, 10, 64)
	if err != nil {
		return false, fmt.Errorf("transaction id %q: %v", xid, err)
	}
	epoch, low, ok := strings.Cut(next, ":")
	e, err1 := strconv.ParseUint(epoch, 10, 32)
	l, err2 := strconv.ParseUint(low, 10, 32)
	if !ok || err1 != nil || err2 != nil {
		return false, fmt.Errorf("pg_control_checkpoint next_xid %q: not epoch:xid", next)
	}
	reused := id >= e<<32|l
	if reused {
		s.log.Warn("postgres: the server restarted since the lost COMMIT, and its transaction id lies past the recovery's: it did not commit", "xid", xid, "next_xid", next)
	}
	return reused, nil
}
