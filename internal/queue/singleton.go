package queue

import (
	"context"
	"log/slog"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/store"
)

// Singleton runs a scheduled task on one node of the provider at a time: the
// node that holds the named lease. The holder renews the lease before each
// run; when it dies, the lease expires and another node's Singleton takes it.
type Singleton struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
	Node  string
	Name  string // the lease's name, one per task
	// Every is the time between runs; Lease how long one holds the task
	// without renewing, more than Every so that a live holder keeps it.
	Every, Lease time.Duration
	Task         func(ctx context.Context) error
}

// Run runs the task every Every while this node holds the lease, until ctx
// ends; then it gives the lease up, so that another node takes over at once.
func (s *Singleton) Run(ctx context.Context) error {
	defer func() {
		// ctx has ended; release with a short context of its own.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = s.Store.Update(rctx, func(tx store.Tx) error { return tx.ReleaseLease(s.Name, s.Node) })
	}()
	for {
		if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("scheduled task failed", "task", s.Name, "node", s.Node, "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(s.Every):
		}
	}
}

// RunOnce takes or renews the lease and, if this node holds it, runs the task
// once. It reports whether it ran.
func (s *Singleton) RunOnce(ctx context.Context) (bool, error) {
	now := s.Clock.Now()
	var held bool
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		var err error
		held, err = tx.AcquireLease(s.Name, s.Node, now, now.Add(s.Lease))
		return err
	})
	if err != nil || !held {
		return false, err
	}
	// The task must end while the lease holds, or two nodes could run it.
	tctx, cancel := context.WithTimeout(ctx, max(s.Lease*9/10, time.Millisecond))
	defer cancel()
	return true, s.Task(tctx)
}
