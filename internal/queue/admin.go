package queue

import (
	"context"
	"errors"
	"log/slog"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// MaxPage bounds a listing of jobs.
const MaxPage = 500

// Admin is the operators' view of the queue (siegel queue list, siegel
// queue retry): what waits, what failed and why, and a retry that makes a
// job waiting out its backoff due at once.
type Admin struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
}

// List lists up to limit jobs (see store.QueueTx.ListJobs) and the cursor
// of the next page, nil on the last.
func (a *Admin) List(ctx context.Context, kind string, failing bool, after *store.JobCursor, limit int) ([]store.Job, *store.JobCursor, error) {
	if limit < 1 || limit > MaxPage {
		return nil, nil, problem.Field("limit", "invalid", "limit must be between 1 and %d", MaxPage)
	}
	var jobs []store.Job
	err := a.Store.View(ctx, func(tx store.Tx) error {
		var err error
		jobs, err = tx.ListJobs(kind, failing, after, limit+1)
		return err
	})
	if err != nil || len(jobs) <= limit {
		return jobs, nil, err
	}
	last := jobs[limit-1]
	return jobs[:limit], &store.JobCursor{RunAt: last.RunAt, ID: last.ID}, nil
}

// Retry makes job id due now. A job a node is working on cannot be
// retried: its outcome comes first.
func (a *Admin) Retry(ctx context.Context, id string) error {
	now := a.Clock.Now()
	err := a.Store.Update(ctx, func(tx store.Tx) error { return tx.RescheduleJob(id, now, now) })
	switch {
	case errors.Is(err, store.ErrNotFound):
		return problem.New(problem.NotFound, "id", "not_found", "no job %s in the queue (done jobs leave it)", id)
	case errors.Is(err, store.ErrConflict):
		return problem.New(problem.Conflict, "id", "running", "job %s is running on a node now; its outcome comes first", id)
	case err != nil:
		return err
	}
	a.Log.Info("queue: job retried by an operator", "job", id)
	return nil
}
