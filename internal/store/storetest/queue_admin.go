package storetest

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

var queueAdminTests = []test{
	{"ListJobs", testListJobs},
	{"RescheduleJob", testRescheduleJob},
}

func jobIDs(js []store.Job) []string {
	var out []string
	for _, j := range js {
		out = append(out, j.ID)
	}
	return out
}

// testListJobs: jobs list due first, by kind or all, failing only when
// asked, in pages that continue after the cursor without gaps or repeats.
func testListJobs(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.Enqueue(newJob("j3", "evidence", "k3", at(3*time.Minute)), newJob("j1", "evidence", "k1", at(time.Minute)),
			newJob("j2", "relay", "k2", at(time.Minute)), newJob("j4", "evidence", "k4", at(4*time.Minute)))
	})
	update(t, s, func(tx store.Tx) error {
		js, err := tx.LeaseJobs("evidence", "node", at(10*time.Minute), at(11*time.Minute), 1)
		if err != nil || len(js) != 1 {
			t.Errorf("lease j1: %v %v", jobIDs(js), err)
			return err
		}
		return tx.RetryJob("j1", "node", 1, at(20*time.Minute), "TSA unreachable")
	})
	view(t, s, func(tx store.Tx) error {
		all, err := tx.ListJobs("", false, nil, 10)
		if err != nil {
			return err
		}
		check(t, "all", jobIDs(all), []string{"j2", "j3", "j4", "j1"})
		ev, err := tx.ListJobs("evidence", false, nil, 10)
		if err != nil {
			return err
		}
		check(t, "evidence", jobIDs(ev), []string{"j3", "j4", "j1"})
		failing, err := tx.ListJobs("", true, nil, 10)
		if err != nil {
			return err
		}
		check(t, "failing", jobIDs(failing), []string{"j1"})
		if len(failing) == 1 && (failing[0].LastError != "TSA unreachable" || failing[0].Attempts != 1) {
			t.Errorf("failing job: %+v", failing[0])
		}
		var paged []string
		var cur *store.JobCursor
		for range 5 {
			page, err := tx.ListJobs("", false, cur, 3)
			if err != nil {
				return err
			}
			paged = append(paged, jobIDs(page)...)
			if len(page) < 3 {
				break
			}
			last := page[len(page)-1]
			cur = &store.JobCursor{RunAt: last.RunAt, ID: last.ID}
		}
		check(t, "paged", paged, []string{"j2", "j3", "j4", "j1"})
		return nil
	})
}

// testRescheduleJob: a waiting job becomes due at once; a leased one is a
// conflict until its lease ends; a missing one is not found.
func testRescheduleJob(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.Enqueue(newJob("wait", "evidence", "k1", at(time.Hour)), newJob("busy", "evidence", "k2", at(0)))
	})
	update(t, s, func(tx store.Tx) error {
		_, err := tx.LeaseJobs("evidence", "node", at(time.Minute), at(5*time.Minute), 1)
		return err
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.RescheduleJob("wait", at(2*time.Minute), at(2*time.Minute)); err != nil {
			return err
		}
		wantErr(t, "RescheduleJob(leased)", tx.RescheduleJob("busy", at(2*time.Minute), at(2*time.Minute)), store.ErrConflict)
		wantErr(t, "RescheduleJob(missing)", tx.RescheduleJob("nope", at(2*time.Minute), at(2*time.Minute)), store.ErrNotFound)
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		j, err := tx.JobByKey("evidence", "k1")
		if err == nil && !j.RunAt.Equal(at(2*time.Minute)) {
			t.Errorf("rescheduled job runs at %s", j.RunAt)
		}
		return err
	})
	update(t, s, func(tx store.Tx) error { // the lease has ended
		return tx.RescheduleJob("busy", at(6*time.Minute), at(6*time.Minute))
	})
	update(t, s, func(tx store.Tx) error {
		js, err := tx.LeaseJobs("evidence", "other", at(6*time.Minute), at(7*time.Minute), 5)
		if len(js) != 2 {
			t.Errorf("after rescheduling, leased %v, want both", jobIDs(js))
		}
		return err
	})
}
