package sqlite

import (
	"cmp"
	"database/sql"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// The queue needs no SKIP LOCKED here: one committer runs every write, so a
// lease is taken by exactly one Update. Several processes never share a
// SQLite file (the data folder's lock); the lease expiry still matters, for a
// process that died with leases out and restarts.

const jobCols = `id, kind, key, payload, run_at, attempts, leased_by, lease_until, last_error, created_at`

func (t *txn) Enqueue(jobs ...*store.Job) error {
	if err := t.flush(); err != nil {
		return err
	}
	for _, j := range jobs {
		if err := t.exec(`INSERT INTO jobs (`+jobCols+`) VALUES (?,?,?,?,?,?,?,?,?,?)`, j.ID, j.Kind, j.Key,
			nonNil(j.Payload), tm(j.RunAt), j.Attempts, j.LeasedBy, tm(j.LeaseUntil), j.LastError, tm(j.CreatedAt)); err != nil {
			return err
		}
	}
	return nil
}

func scanJob(row scanner) (*store.Job, error) {
	var j store.Job
	var runAt, until, created int64
	if err := row.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, &runAt, &j.Attempts, &j.LeasedBy, &until,
		&j.LastError, &created); err != nil {
		return nil, mapErr(err)
	}
	j.RunAt, j.LeaseUntil, j.CreatedAt = fromTm(runAt), fromTm(until), fromTm(created)
	return &j, nil
}

func (t *txn) LeaseJobs(kind, node string, now, until time.Time, limit int) ([]store.Job, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	// A zero lease_until is 0, so "lease_until <= now" also takes unleased jobs.
	rows, err := t.q.QueryContext(t.ctx, `UPDATE jobs SET leased_by = ?, lease_until = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM jobs WHERE kind = ? AND run_at <= ? AND lease_until <= ?
			ORDER BY run_at, id LIMIT ?)
		RETURNING `+jobCols, node, tm(until), kind, tm(now), tm(now), limit)
	out, err := scanJobs(rows, err)
	if err != nil {
		return nil, err
	}
	// RETURNING gives no order; callers get the oldest first.
	sortJobs(out)
	return out, nil
}

func (t *txn) CompleteJob(id, node string, attempt int) error {
	return t.leased(`DELETE FROM jobs WHERE id = ? AND leased_by = ? AND attempts = ?`, id, node, attempt)
}

func (t *txn) RetryJob(id, node string, attempt int, at time.Time, reason string) error {
	return t.leased(`UPDATE jobs SET run_at = ?, leased_by = '', lease_until = 0, last_error = ?
		WHERE id = ? AND leased_by = ? AND attempts = ?`, tm(at), reason, id, node, attempt)
}

// leased runs a statement that acts on a job only while the caller leases it.
func (t *txn) leased(q string, args ...any) error {
	if t.readOnly {
		return errReadOnly
	}
	if err := t.flush(); err != nil {
		return err
	}
	res, err := t.q.ExecContext(t.ctx, q, args...)
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 0 {
		return store.ErrLeaseLost
	}
	return nil
}

func (t *txn) JobByKey(kind, key string) (*store.Job, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return scanJob(t.q.QueryRowContext(t.ctx, `SELECT `+jobCols+` FROM jobs WHERE kind = ? AND key = ?`, kind, key))
}

func (t *txn) CountJobs(kind string) (int, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int
	err := t.q.QueryRowContext(t.ctx, `SELECT count(*) FROM jobs WHERE kind = ?`, kind).Scan(&n)
	return n, mapErr(err)
}

func (t *txn) AcquireLease(name, holder string, now, until time.Time) (bool, error) {
	if t.readOnly {
		return false, errReadOnly
	}
	if err := t.flush(); err != nil {
		return false, err
	}
	var got string
	err := t.q.QueryRowContext(t.ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE leases.expires_at <= ? OR leases.holder = excluded.holder
		RETURNING holder`, name, holder, tm(until), tm(now)).Scan(&got)
	if err = mapErr(err); err == store.ErrNotFound {
		return false, nil // held by another, unexpired: the upsert changed nothing
	}
	return err == nil && got == holder, err
}

func (t *txn) ReleaseLease(name, holder string) error {
	return t.exec(`DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
}

func sortJobs(js []store.Job) {
	slices.SortFunc(js, func(a, b store.Job) int {
		return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID))
	})
}

func (t *txn) ListJobs(kind string, failing bool, after *store.JobCursor, limit int) ([]store.Job, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	q := `SELECT ` + jobCols + ` FROM jobs WHERE (? = '' OR kind = ?) AND (? = 0 OR last_error != '')`
	args := []any{kind, kind, b2i(failing)}
	if after != nil {
		q += ` AND (run_at > ? OR (run_at = ? AND id > ?))`
		args = append(args, tm(after.RunAt), tm(after.RunAt), after.ID)
	}
	return scanJobs(t.q.QueryContext(t.ctx, q+` ORDER BY run_at, id LIMIT ?`, append(args, limit)...))
}

// scanJobs reads every job a query returned.
func scanJobs(rows *sql.Rows, err error) ([]store.Job, error) {
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *j)
	}
	return out, mapErr(rows.Err())
}

func (t *txn) RescheduleJob(id string, now, at time.Time) error {
	if t.readOnly {
		return errReadOnly
	}
	if err := t.flush(); err != nil {
		return err
	}
	res, err := t.q.ExecContext(t.ctx, `UPDATE jobs SET run_at = ?, leased_by = '', lease_until = 0
		WHERE id = ? AND lease_until <= ?`, tm(at), id, tm(now))
	if err != nil {
		return mapErr(err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return mapErr(err)
	} else if n == 1 {
		return nil
	}
	var one int
	if err := t.q.QueryRowContext(t.ctx, `SELECT 1 FROM jobs WHERE id = ?`, id).Scan(&one); err != nil {
		return mapErr(err)
	}
	return store.ErrConflict
}
