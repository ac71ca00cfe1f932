// Package queue runs a provider's queued work on whichever of its nodes is
// free, each job to completion exactly once: a Worker leases due jobs from the
// store's durable queue (store.QueueTx), runs them, and completes each in the
// same transaction as its database effect, fenced by the lease's attempt, so
// that a node that dies or stalls mid-job loses it to another node and its
// late outcome is refused. A Singleton runs scheduled work (deadlines, deemed
// service, the trust-list refresh) on one node at a time under a named lease
// that passes to another node when its holder dies.
//
// Effects outside the database (an SMTP delivery to another provider) cannot
// share the transaction: a node that dies after the effect and before the
// completion leaves the job to run again, so such handlers must be idempotent
// at their receiver (TR 01201 PVD-IO: a letter is identified by its
// X-de-mail-message-id, which the receiving provider stores once).
package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/store"
)

// Handler does a job's work. It returns the job's database effect, if any,
// which the worker commits together with the job's completion; or an error,
// after which the job is retried with backoff. ctx ends shortly before the
// lease does.
type Handler func(ctx context.Context, j store.Job) (effect func(store.Tx) error, err error)

// Worker leases and runs the jobs of one kind.
type Worker struct {
	Store  store.Store
	Clock  clock.Clock
	Log    *slog.Logger
	Node   string // this node's name, unique among the provider's nodes
	Kind   string
	Handle Handler
	// Lease is how long a node holds a job before another may take it over;
	// a handler gets a little less.
	Lease time.Duration
	Batch int           // jobs leased at once
	Poll  time.Duration // wait between looks when the queue is empty
	// Concurrency is how many of a batch's jobs run at once (at least
	// one): CPU-bound work, such as signing evidence, uses every core.
	Concurrency int
	// MaxBackoff caps the delay between attempts, which doubles from one
	// second with ±25 % jitter, so that failing jobs of many letters do not
	// retry in lockstep.
	MaxBackoff time.Duration
}

// Run works until ctx ends; store errors are logged and retried after Poll.
func (w *Worker) Run(ctx context.Context) error {
	for {
		n, err := w.RunOnce(ctx)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			w.Log.Warn("queue: lease failed", "kind", w.Kind, "node", w.Node, "err", err)
		}
		if n > 0 && err == nil {
			continue
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(w.Poll):
		}
	}
}

// RunOnce leases one batch of due jobs and runs them; it returns how many
// it leased.
func (w *Worker) RunOnce(ctx context.Context) (int, error) {
	now := w.Clock.Now()
	var jobs []store.Job
	err := w.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		jobs, err = tx.LeaseJobs(w.Kind, w.Node, now, now.Add(w.Lease), max(w.Batch, 1))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("queue: lease %s: %w", w.Kind, err)
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, max(w.Concurrency, 1))
	for _, j := range jobs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			w.run(ctx, j, now.Add(w.Lease))
		})
	}
	wg.Wait()
	return len(jobs), nil
}

// run runs one leased job and records its outcome.
func (w *Worker) run(ctx context.Context, j store.Job, until time.Time) {
	log := w.Log.With("kind", j.Kind, "job", j.ID, "attempt", j.Attempts, "node", w.Node)
	// Stop the handler a tenth of the lease before it ends, so that its
	// outcome can still be recorded under this node's lease.
	hctx, cancel := context.WithTimeout(ctx, max(until.Sub(w.Clock.Now())*9/10, 0))
	effect, herr := w.Handle(hctx, j)
	cancel()
	if ctx.Err() != nil {
		return // shutting down: the lease expires and another node retries
	}
	var err error
	if herr == nil {
		err = w.Store.Update(ctx, func(tx store.Tx) error {
			if effect != nil {
				if err := effect(tx); err != nil {
					return err
				}
			}
			return tx.CompleteJob(j.ID, w.Node, j.Attempts)
		})
		if err == nil {
			log.Debug("queue: job done")
			return
		}
		herr = err
	}
	if errors.Is(herr, store.ErrLeaseLost) {
		log.Warn("queue: lease lost before the job finished; another node has it")
		return
	}
	at := w.Clock.Now().Add(w.backoff(j.Attempts))
	err = w.Store.Update(ctx, func(tx store.Tx) error {
		return tx.RetryJob(j.ID, w.Node, j.Attempts, at, herr.Error())
	})
	switch {
	case errors.Is(err, store.ErrLeaseLost):
		log.Warn("queue: lease lost before the job's failure was recorded", "err", herr)
	case err != nil:
		log.Error("queue: recording a failed attempt failed; the lease will expire", "err", err, "cause", herr)
	default:
		log.Info("queue: job failed; will retry", "err", herr, "retry_at", at)
	}
}

// backoff is the delay after attempt: 1 s, 2 s, 4 s … up to MaxBackoff, ±25 %.
func (w *Worker) backoff(attempt int) time.Duration {
	d := time.Second << min(max(attempt-1, 0), 30)
	if w.MaxBackoff > 0 && d > w.MaxBackoff {
		d = w.MaxBackoff
	}
	return d*3/4 + rand.N(d/2+1)
}
