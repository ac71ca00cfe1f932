package queue_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/queue"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/sqlite"
)

var t0 = time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)

// stores runs fn against each store the machine offers.
func stores(t *testing.T, fn func(t *testing.T, s store.Store)) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		s, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "q.db"), sqlite.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	extraStores(t, fn)
}

func enqueue(t *testing.T, s store.Store, kind string, n int, at time.Time) {
	t.Helper()
	var js []*store.Job
	for i := range n {
		js = append(js, &store.Job{ID: fmt.Sprintf("%s-%03d", kind, i), Kind: kind, Key: fmt.Sprintf("k-%03d", i),
			RunAt: at, CreatedAt: at})
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.Enqueue(js...) }); err != nil {
		t.Fatal(err)
	}
}

func worker(s store.Store, c clock.Clock, node string, h queue.Handler) *queue.Worker {
	return &queue.Worker{Store: s, Clock: c, Log: slog.New(slog.DiscardHandler), Node: node, Kind: "deliver",
		Handle: h, Lease: time.Minute, Batch: 4, Poll: 5 * time.Millisecond, MaxBackoff: time.Hour}
}

// recordDone is an effect that proves a job ran to completion: a "done" job
// with the same key, which the store refuses twice.
func recordDone(j store.Job) func(store.Tx) error {
	return func(tx store.Tx) error {
		return tx.Enqueue(&store.Job{ID: "done-" + j.ID, Kind: "done", Key: j.Key, RunAt: t0, CreatedAt: t0})
	}
}

func count(t *testing.T, s store.Store, kind string) int {
	t.Helper()
	var n int
	if err := s.View(t.Context(), func(tx store.Tx) error {
		var err error
		n, err = tx.CountJobs(kind)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestTwoNodesEachJobOnce: two nodes' workers drain one queue; every job's
// effect lands exactly once.
func TestTwoNodesEachJobOnce(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		c := clock.NewFake(t0)
		enqueue(t, s, "deliver", 60, t0)
		var runs atomic.Int64
		h := func(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
			runs.Add(1)
			return recordDone(j), nil
		}
		ctx, cancel := context.WithCancel(t.Context())
		var wg sync.WaitGroup
		for _, node := range []string{"node-a", "node-b"} {
			w := worker(s, c, node, h)
			wg.Go(func() { w.Run(ctx) })
		}
		deadline := time.Now().Add(30 * time.Second)
		for count(t, s, "deliver") > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		wg.Wait()
		if n := count(t, s, "deliver"); n != 0 {
			t.Fatalf("%d jobs left", n)
		}
		if n := count(t, s, "done"); n != 60 || runs.Load() != 60 {
			t.Errorf("%d effects from %d runs, want 60 of 60", n, runs.Load())
		}
	})
}

// TestDeadNodeLosesJob: a node stalls with a job leased (as if killed); once
// its lease expires another node finishes the job, and the first node's late
// outcome, effect included, is refused.
func TestDeadNodeLosesJob(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		c := clock.NewFake(t0)
		enqueue(t, s, "deliver", 1, t0)
		stalled, release := make(chan struct{}), make(chan struct{})
		a := worker(s, c, "node-a", func(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
			close(stalled)
			<-release
			return recordDone(j), nil
		})
		a.Lease = time.Hour // the handler's own deadline must not end the stall
		done := make(chan struct{})
		go func() { a.RunOnce(t.Context()); close(done) }()
		<-stalled
		b := worker(s, c, "node-b", func(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
			if j.Attempts != 2 {
				t.Errorf("node-b runs attempt %d, want 2", j.Attempts)
			}
			return recordDone(j), nil
		})
		if n, err := b.RunOnce(t.Context()); n != 0 || err != nil {
			t.Fatalf("node-b leased %d jobs (%v) while node-a's lease holds", n, err)
		}
		c.Advance(time.Hour)
		if n, err := b.RunOnce(t.Context()); n != 1 || err != nil {
			t.Fatalf("node-b leased %d jobs (%v) after node-a's lease expired, want 1", n, err)
		}
		close(release) // node-a wakes up and tries to finish
		<-done
		if n := count(t, s, "done"); n != 1 {
			t.Errorf("%d effects, want 1: node-a's late effect must roll back", n)
		}
		if n := count(t, s, "deliver"); n != 0 {
			t.Errorf("%d jobs left, want 0", n)
		}
	})
}

// TestFailureRetriesWithBackoff: a failed attempt is due again only after its
// backoff, and keeps its error.
func TestFailureRetriesWithBackoff(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		c := clock.NewFake(t0)
		enqueue(t, s, "deliver", 1, t0)
		fail := true
		w := worker(s, c, "node-a", func(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
			if fail {
				return nil, errors.New("451 4.3.0 try again")
			}
			return recordDone(j), nil
		})
		for attempt := 1; attempt <= 3; attempt++ {
			if n, err := w.RunOnce(t.Context()); n != 1 || err != nil {
				t.Fatalf("attempt %d: leased %d (%v)", attempt, n, err)
			}
			var j *store.Job
			s.View(t.Context(), func(tx store.Tx) error {
				var err error
				j, err = tx.JobByKey("deliver", "k-000")
				return err
			})
			if j == nil || j.LastError != "451 4.3.0 try again" || j.LeasedBy != "" {
				t.Fatalf("attempt %d: job after failure %+v", attempt, j)
			}
			delay := j.RunAt.Sub(c.Now())
			base := time.Second << (attempt - 1)
			if delay < base*3/4 || delay > base*5/4 {
				t.Errorf("attempt %d: retry in %v, want %v ± 25 %%", attempt, delay, base)
			}
			if n, _ := w.RunOnce(t.Context()); n != 0 {
				t.Fatalf("attempt %d: leased again before the backoff passed", attempt)
			}
			c.Advance(delay)
		}
		fail = false
		if n, err := w.RunOnce(t.Context()); n != 1 || err != nil || count(t, s, "done") != 1 {
			t.Errorf("the fourth attempt did not finish the job (%d, %v)", n, err)
		}
	})
}

// TestSingletonOneNodeAtATime: of two nodes, one runs the task; when it dies
// the other takes over after the lease, and when it stops cleanly at once.
func TestSingletonOneNodeAtATime(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		c := clock.NewFake(t0)
		ran := map[string]int{}
		single := func(node string) *queue.Singleton {
			return &queue.Singleton{Store: s, Clock: c, Log: slog.New(slog.DiscardHandler), Node: node,
				Name: "deadlines", Every: time.Minute, Lease: 3 * time.Minute,
				Task: func(ctx context.Context) error { ran[node]++; return nil }}
		}
		a, b := single("node-a"), single("node-b")
		for range 3 {
			for _, n := range []*queue.Singleton{a, b} {
				if _, err := n.RunOnce(t.Context()); err != nil {
					t.Fatal(err)
				}
			}
			c.Advance(time.Minute)
		}
		if ran["node-a"] != 3 || ran["node-b"] != 0 {
			t.Fatalf("runs %v, want node-a 3, node-b 0", ran)
		}
		// node-a dies: node-b waits out the lease, then runs.
		for range 3 {
			b.RunOnce(t.Context())
			c.Advance(time.Minute)
		}
		if ran["node-b"] == 0 {
			t.Fatalf("node-b never took over from the dead node-a: %v", ran)
		}
		if ok, _ := a.RunOnce(t.Context()); ok {
			t.Errorf("node-a ran again while node-b holds the lease")
		}
		// node-b stops cleanly (Run releases the lease): node-a takes over at once.
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		b.Run(ctx)
		if ok, err := a.RunOnce(t.Context()); !ok || err != nil {
			t.Errorf("node-a did not take over after node-b stopped (%v, %v)", ok, err)
		}
	})
}

// TestConcurrentWorker: with Concurrency, a batch's jobs run at once (all
// four handlers are in flight together), and each effect still lands once.
func TestConcurrentWorker(t *testing.T) {
	stores(t, func(t *testing.T, s store.Store) {
		c := clock.NewFake(t0)
		enqueue(t, s, "deliver", 4, t0)
		var inFlight, most atomic.Int64
		all := make(chan struct{})
		var once sync.Once
		h := func(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
			n := inFlight.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if n == 4 {
				once.Do(func() { close(all) })
			}
			select { // wait for the others, or give up: then most says so
			case <-all:
			case <-time.After(5 * time.Second):
			}
			inFlight.Add(-1)
			return recordDone(j), nil
		}
		w := worker(s, c, "node-a", h)
		w.Concurrency = 4
		if n, err := w.RunOnce(t.Context()); n != 4 || err != nil {
			t.Fatalf("RunOnce: %d, %v", n, err)
		}
		if most.Load() != 4 {
			t.Errorf("at most %d jobs ran at once, want 4", most.Load())
		}
		if n := count(t, s, "done"); n != 4 || count(t, s, "deliver") != 0 {
			t.Errorf("%d effects, %d jobs left", n, count(t, s, "deliver"))
		}
	})
}
