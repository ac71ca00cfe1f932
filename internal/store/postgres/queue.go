package postgres

import (
	"cmp"
	"errors"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/siegel-mail/siegel/internal/store"
)

// Several nodes lease from one queue at once. LeaseJobs locks the rows it
// picks with FOR UPDATE SKIP LOCKED, so that a node passes over the jobs
// another node is leasing instead of waiting for its commit. Under
// SERIALIZABLE two such transactions can still be found to conflict (each
// read the range the other wrote); the loser runs again (Update), and sees
// the winner's leases.

const jobCols = `id, kind, key, payload, run_at, attempts, leased_by, lease_until, last_error, created_at`

// Enqueue inserts every job in one statement.
func (t *txn) Enqueue(jobs ...*store.Job) error {
	if len(jobs) == 0 {
		return nil
	}
	n := len(jobs)
	ids, kinds, keys, leasedBy, lastErrs := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n)
	payloads, attempts := make([][]byte, n), make([]int64, n)
	runAt, until, created := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i, j := range jobs {
		ids[i], kinds[i], keys[i], leasedBy[i], lastErrs[i] = j.ID, j.Kind, j.Key, j.LeasedBy, j.LastError
		payloads[i], attempts[i] = nonNil(j.Payload), int64(j.Attempts)
		runAt[i], until[i], created[i] = ts(j.RunAt), ts(j.LeaseUntil), ts(j.CreatedAt)
	}
	return t.write(`INSERT INTO jobs (`+jobCols+`)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::timestamptz[], $6::bigint[],
			$7::text[], $8::timestamptz[], $9::text[], $10::timestamptz[])`,
		ids, kinds, keys, payloads, runAt, attempts, leasedBy, until, lastErrs, created)
}

func scanJob(r pgx.Row) (store.Job, error) {
	var j store.Job
	err := r.Scan(&j.ID, &j.Kind, &j.Key, &j.Payload, tsz{&j.RunAt}, &j.Attempts, &j.LeasedBy, tsz{&j.LeaseUntil},
		&j.LastError, tsz{&j.CreatedAt})
	return j, err
}

// LeaseJobs picks and leases in one statement. An unleased job's lease_until
// is -infinity, so "lease_until <= now" takes both the unleased and the
// expired.
func (t *txn) LeaseJobs(kind, node string, now, until time.Time, limit int) ([]store.Job, error) {
	if t.mode != writeMode {
		return nil, errReadOnly
	}
	js, err := collect(t, `WITH picked AS (
			SELECT id FROM jobs WHERE kind = $1 AND run_at <= $2 AND lease_until <= $2
			ORDER BY run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE jobs j SET leased_by = $4, lease_until = $5, attempts = j.attempts + 1
		FROM picked WHERE j.id = picked.id
		RETURNING `+prefixed("j.", jobCols), []any{kind, ts(now), limit, node, ts(until)}, scanJob)
	if err != nil {
		return nil, err
	}
	t.wrote = t.wrote || len(js) > 0
	// RETURNING gives no order; callers get the oldest first.
	slices.SortFunc(js, func(a, b store.Job) int {
		return cmp.Or(a.RunAt.Compare(b.RunAt), cmp.Compare(a.ID, b.ID))
	})
	return js, nil
}

func (t *txn) CompleteJob(id, node string, attempt int) error {
	return t.leased(`DELETE FROM jobs WHERE id = $1 AND leased_by = $2 AND attempts = $3`, id, node, attempt)
}

func (t *txn) RetryJob(id, node string, attempt int, at time.Time, reason string) error {
	return t.leased(`UPDATE jobs SET run_at = $4, leased_by = '', lease_until = '-infinity', last_error = $5
		WHERE id = $1 AND leased_by = $2 AND attempts = $3`, id, node, attempt, ts(at), reason)
}

// leased runs a statement that acts on a job only while the caller leases it
// in that attempt: the attempt fences off a node that stalled past its lease.
func (t *txn) leased(sql string, args ...any) error {
	n, err := t.exec(sql, args...)
	if err == nil && n == 0 {
		return store.ErrLeaseLost
	}
	return err
}

func (t *txn) JobByKey(kind, key string) (*store.Job, error) {
	var j store.Job
	err := t.row(`SELECT `+jobCols+` FROM jobs WHERE kind = $1 AND key = $2`, []any{kind, key},
		func(r pgx.Row) (err error) {
			j, err = scanJob(r)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &j, nil
}

func (t *txn) CountJobs(kind string) (int, error) {
	var n int
	err := t.row(`SELECT count(*) FROM jobs WHERE kind = $1`, []any{kind}, func(r pgx.Row) error { return r.Scan(&n) })
	return n, err
}

// AcquireLease takes the lease when it is free, expired or holder's own, in
// one upsert: when another holds it unexpired, the upsert changes nothing
// and returns no row.
func (t *txn) AcquireLease(name, holder string, now, until time.Time) (bool, error) {
	if t.mode != writeMode {
		return false, errReadOnly
	}
	var got string
	err := t.row(`INSERT INTO leases AS l (name, holder, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
			WHERE l.expires_at <= $4 OR l.holder = excluded.holder
		RETURNING holder`, []any{name, holder, ts(until), ts(now)}, func(r pgx.Row) error { return r.Scan(&got) })
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	t.wrote = t.wrote || err == nil
	return err == nil && got == holder, err
}

func (t *txn) ReleaseLease(name, holder string) error {
	return t.write(`DELETE FROM leases WHERE name = $1 AND holder = $2`, name, holder)
}

func (t *txn) ListJobs(kind string, failing bool, after *store.JobCursor, limit int) ([]store.Job, error) {
	q := `SELECT ` + jobCols + ` FROM jobs WHERE ($1 = '' OR kind = $1) AND (NOT $2 OR last_error <> '')`
	args := []any{kind, failing}
	if after != nil {
		q += ` AND (run_at, id) > ($4, $5)`
		args = append(args, limit, ts(after.RunAt), after.ID)
	} else {
		args = append(args, limit)
	}
	return collect(t, q+` ORDER BY run_at, id LIMIT $3`, args, scanJob)
}

func (t *txn) RescheduleJob(id string, now, at time.Time) error {
	n, err := t.exec(`UPDATE jobs SET run_at = $1, leased_by = '', lease_until = '-infinity'
		WHERE id = $2 AND lease_until <= $3`, ts(at), id, ts(now))
	if err != nil || n == 1 {
		return err
	}
	var one int
	if err := t.row(`SELECT 1 FROM jobs WHERE id = $1`, []any{id}, func(r pgx.Row) error { return r.Scan(&one) }); err != nil {
		return err
	}
	return store.ErrConflict
}
