package sqlite

import (
	"context"
	"database/sql"
	"time"
)

// Checkpoints run beside the committer, on a connection of their own. SQLite's
// automatic checkpoint would run inside whichever commit crosses the threshold,
// copying the WAL into the database and fsyncing it while every writer waits;
// here the committer only nudges the checkpointer, which copies passively (it
// never blocks the writer) and lets the next writer restart the WAL.

// checkpointPages is the WAL size in pages above which a checkpoint runs.
const checkpointPages = 4000

func (s *Store) checkpointLoop(db *sql.DB) {
	defer close(s.checkpointed)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for {
		select {
		case <-s.closing:
			db.ExecContext(context.Background(), "PRAGMA wal_checkpoint(PASSIVE)")
			return
		case <-s.nudge:
		case <-tick.C:
		}
		s.checkpoint(db)
	}
}

// checkpoint copies the WAL into the database passively, and once all of it is
// copied and the WAL has grown large, restarts it: with readers always active,
// SQLite would otherwise never wrap the WAL around, and every commit would
// extend an ever longer file.
func (s *Store) checkpoint(db *sql.DB) {
	ctx := context.Background()
	var busy, logPages, done int
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &logPages, &done); err != nil {
		s.opts.Log.Warn("wal checkpoint failed", "err", err)
		return
	}
	if logPages < checkpointPages || done < logPages {
		return
	}
	// RESTART waits (busy_timeout) for readers of the old WAL and holds off the
	// writer only for that wait; the copying is already done.
	if err := db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(RESTART)").Scan(&busy, &logPages, &done); err != nil {
		s.opts.Log.Warn("wal restart failed", "err", err)
	}
}

// nudgeCheckpoint asks for a checkpoint without waiting for it.
func (s *Store) nudgeCheckpoint() {
	select {
	case s.nudge <- struct{}{}:
	default:
	}
}
