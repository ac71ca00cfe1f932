package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

var queueTests = []test{
	{"EnqueueAndLease", testEnqueueAndLease},
	{"CompleteOnce", testCompleteOnce},
	{"LeaseExpires", testLeaseExpires},
	{"Retry", testRetry},
	{"ConcurrentNodes", testConcurrentNodes},
	{"NamedLease", testNamedLease},
}

func newJob(id, kind, key string, runAt time.Time) *store.Job {
	return &store.Job{ID: id, Kind: kind, Key: key, Payload: []byte("p-" + id), RunAt: runAt, CreatedAt: t0}
}

// lease runs LeaseJobs in an Update of its own.
func lease(t *testing.T, s store.Store, kind, node string, now time.Time, limit int) []store.Job {
	t.Helper()
	var got []store.Job
	update(t, s, func(tx store.Tx) error {
		var err error
		got, err = tx.LeaseJobs(kind, node, now, now.Add(time.Minute), limit)
		return err
	})
	return got
}

func ids(js []store.Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.ID)
	}
	return out
}

func testEnqueueAndLease(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.Enqueue(newJob("j-2", "deliver", "copy-2", at(2*time.Second)),
			newJob("j-1", "deliver", "copy-1", at(time.Second)),
			newJob("j-3", "deliver", "copy-3", at(time.Hour)),
			newJob("j-4", "deadline", "let-1", t0))
	})
	// Enqueueing the same kind and key again is refused, and changes nothing.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.Enqueue(newJob("j-5", "deliver", "copy-1", t0))
	})
	wantErr(t, "Enqueue(duplicate key)", err, store.ErrConflict)

	got := lease(t, s, "deliver", "node-a", at(time.Minute), 10)
	check(t, "leased ids (due only, oldest first)", ids(got), []string{"j-1", "j-2"})
	want := *newJob("j-1", "deliver", "copy-1", at(time.Second))
	want.Attempts, want.LeasedBy, want.LeaseUntil = 1, "node-a", at(2*time.Minute)
	if len(got) > 0 {
		check(t, "leased job", got[0], want)
	}
	if again := lease(t, s, "deliver", "node-b", at(time.Minute), 10); len(again) != 0 {
		t.Errorf("a second node leased %v while the lease holds", ids(again))
	}
	if one := lease(t, s, "deadline", "node-b", at(time.Minute), 1); len(one) != 1 || one[0].ID != "j-4" {
		t.Errorf("leasing another kind gave %v, want [j-4]", ids(one))
	}
	view(t, s, func(tx store.Tx) error {
		n, err := tx.CountJobs("deliver")
		if err != nil || n != 3 {
			t.Errorf("CountJobs(deliver) = %d, %v; want 3", n, err)
		}
		j, err := tx.JobByKey("deliver", "copy-2")
		if err != nil || j.LeasedBy != "node-a" || j.Attempts != 1 {
			t.Errorf("JobByKey(copy-2) = %+v, %v; want leased by node-a in attempt 1", j, err)
		}
		_, err = tx.JobByKey("deliver", "copy-none")
		wantErr(t, "JobByKey(unknown)", err, store.ErrNotFound)
		_, err = tx.LeaseJobs("deliver", "node-c", at(time.Hour), at(2*time.Hour), 1)
		if err == nil {
			t.Errorf("LeaseJobs inside View succeeded, want an error")
		}
		return nil
	})
}

func testCompleteOnce(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.Enqueue(newJob("j-1", "deliver", "copy-1", t0)) })
	got := lease(t, s, "deliver", "node-a", t0, 1)
	if len(got) != 1 {
		t.Fatalf("leased %v, want one job", ids(got))
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CompleteJob("j-1", "node-b", 1) })
	wantErr(t, "CompleteJob by another node", err, store.ErrLeaseLost)
	update(t, s, func(tx store.Tx) error { return tx.CompleteJob("j-1", "node-a", 1) })
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.CompleteJob("j-1", "node-a", 1) })
	wantErr(t, "CompleteJob twice", err, store.ErrLeaseLost)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.JobByKey("deliver", "copy-1")
		wantErr(t, "JobByKey after CompleteJob", err, store.ErrNotFound)
		return nil
	})
	// A completed job's key may be queued again.
	update(t, s, func(tx store.Tx) error { return tx.Enqueue(newJob("j-2", "deliver", "copy-1", t0)) })
}

// testLeaseExpires: a node that stalls past its lease loses the job to another
// node, and its late outcome is refused (the fencing by attempt).
func testLeaseExpires(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.Enqueue(newJob("j-1", "deliver", "copy-1", t0)) })
	first := lease(t, s, "deliver", "node-a", t0, 1) // until t0+1m
	if len(first) != 1 {
		t.Fatalf("leased %v, want one job", ids(first))
	}
	if got := lease(t, s, "deliver", "node-b", at(59*time.Second), 1); len(got) != 0 {
		t.Fatalf("node-b leased %v before node-a's lease expired", ids(got))
	}
	second := lease(t, s, "deliver", "node-b", at(time.Minute), 1)
	if len(second) != 1 || second[0].Attempts != 2 || second[0].LeasedBy != "node-b" {
		t.Fatalf("after expiry node-b leased %+v, want j-1 in attempt 2", second)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.CompleteJob("j-1", "node-a", 1) })
	wantErr(t, "late CompleteJob of the expired lease", err, store.ErrLeaseLost)
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.RetryJob("j-1", "node-a", 1, at(time.Hour), "late") })
	wantErr(t, "late RetryJob of the expired lease", err, store.ErrLeaseLost)
	update(t, s, func(tx store.Tx) error { return tx.CompleteJob("j-1", "node-b", 2) })
}

func testRetry(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.Enqueue(newJob("j-1", "deliver", "copy-1", t0)) })
	lease(t, s, "deliver", "node-a", t0, 1)
	update(t, s, func(tx store.Tx) error {
		return tx.RetryJob("j-1", "node-a", 1, at(5*time.Minute), "451 try again later")
	})
	view(t, s, func(tx store.Tx) error {
		j, err := tx.JobByKey("deliver", "copy-1")
		if err != nil {
			return err
		}
		want := *newJob("j-1", "deliver", "copy-1", at(5*time.Minute))
		want.Attempts, want.LastError = 1, "451 try again later"
		check(t, "job after RetryJob", j, &want)
		return nil
	})
	if got := lease(t, s, "deliver", "node-b", at(4*time.Minute), 1); len(got) != 0 {
		t.Errorf("leased %v before the retry was due", ids(got))
	}
	got := lease(t, s, "deliver", "node-b", at(5*time.Minute), 1)
	if len(got) != 1 || got[0].Attempts != 2 || got[0].LastError != "451 try again later" {
		t.Errorf("leased %+v when the retry was due, want j-1 in attempt 2 with its last error", got)
	}
}

// testConcurrentNodes: nodes leasing from one queue at once each get distinct
// jobs, and every job is completed exactly once.
func testConcurrentNodes(t *testing.T, s store.Store) {
	const jobs, nodes = 120, 4
	var all []*store.Job
	for i := range jobs {
		all = append(all, newJob(fmt.Sprintf("j-%03d", i), "deliver", fmt.Sprintf("copy-%03d", i), t0))
	}
	update(t, s, func(tx store.Tx) error { return tx.Enqueue(all...) })
	var mu sync.Mutex
	done := map[string]string{}
	var wg sync.WaitGroup
	for n := range nodes {
		node := fmt.Sprintf("node-%d", n)
		wg.Go(func() {
			for {
				var got []store.Job
				err := s.Update(t.Context(), func(tx store.Tx) error {
					var err error
					got, err = tx.LeaseJobs("deliver", node, t0, at(time.Hour), 5)
					return err
				})
				if err != nil {
					t.Errorf("%s: LeaseJobs: %v", node, err)
					return
				}
				if len(got) == 0 {
					return
				}
				for _, j := range got {
					if err := s.Update(t.Context(), func(tx store.Tx) error {
						return tx.CompleteJob(j.ID, node, j.Attempts)
					}); err != nil {
						t.Errorf("%s: CompleteJob(%s): %v", node, j.ID, err)
					}
					mu.Lock()
					if other, ok := done[j.ID]; ok {
						t.Errorf("%s done by %s and %s", j.ID, other, node)
					}
					done[j.ID] = node
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if len(done) != jobs {
		t.Errorf("%d of %d jobs done", len(done), jobs)
	}
	view(t, s, func(tx store.Tx) error {
		if n, err := tx.CountJobs("deliver"); err != nil || n != 0 {
			t.Errorf("CountJobs after all completed = %d, %v; want 0", n, err)
		}
		return nil
	})
}

func testNamedLease(t *testing.T, s store.Store) {
	acquire := func(holder string, now time.Duration, until time.Duration) bool {
		t.Helper()
		var ok bool
		update(t, s, func(tx store.Tx) error {
			var err error
			ok, err = tx.AcquireLease("deadlines", holder, at(now), at(until))
			return err
		})
		return ok
	}
	steps := []struct {
		holder     string
		now, until time.Duration
		want       bool
	}{
		{"node-a", 0, 30 * time.Second, true},
		{"node-b", 10 * time.Second, 40 * time.Second, false},
		{"node-a", 20 * time.Second, 50 * time.Second, true}, // renewed
		{"node-b", 40 * time.Second, 70 * time.Second, false},
		{"node-b", 50 * time.Second, 80 * time.Second, true}, // node-a died: expired
		{"node-a", 51 * time.Second, 81 * time.Second, false},
	}
	for i, st := range steps {
		if got := acquire(st.holder, st.now, st.until); got != st.want {
			t.Errorf("step %d: %s acquiring at +%v = %v, want %v", i, st.holder, st.now, got, st.want)
		}
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseLease("deadlines", "node-a") }) // not node-a's
	if acquire("node-a", 52*time.Second, 90*time.Second) {
		t.Errorf("node-a got the lease after releasing one it did not hold")
	}
	update(t, s, func(tx store.Tx) error { return tx.ReleaseLease("deadlines", "node-b") })
	if !acquire("node-a", 53*time.Second, 90*time.Second) {
		t.Errorf("node-a did not get the lease node-b released")
	}
	// Leases of other names are independent.
	update(t, s, func(tx store.Tx) error {
		ok, err := tx.AcquireLease("trust-list", "node-b", at(54*time.Second), at(90*time.Second))
		if err == nil && !ok {
			t.Errorf("node-b did not get a free lease of another name")
		}
		return err
	})
}
