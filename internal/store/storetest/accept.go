package storetest

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

var acceptTests = []test{
	{"AllTogether", testAccept},
	{"AllOrNothing", testAcceptAllOrNothing},
	{"Concurrent", testAcceptConcurrent},
}

// accepted is what one accept transaction writes.
type accepted struct {
	letter *store.Letter
	sent   *store.Copy
	copies []*store.Copy
	events []*store.Event
	// jobs are queue entries the accept makes in the same transaction: one
	// delivery per recipient copy, as for recipients at other providers.
	jobs []*store.Job
	day  string
}

// withJobs gives the accept a delivery job per recipient copy.
func (a *accepted) withJobs() *accepted {
	for _, c := range a.copies {
		a.jobs = append(a.jobs, &store.Job{ID: store.NewID(c.Arrived), Kind: "deliver", Key: c.ID,
			Payload: []byte(a.letter.ID), RunAt: c.Arrived, CreatedAt: c.Arrived})
	}
	return a
}

// makeAccept builds the records of an accept from sender to rcpts at now, as
// package mailbox does: the letter, the sender's copy in Sent, one copy per
// recipient in Inbox, the accepted event and one stored event per copy.
func makeAccept(now time.Time, sender string, rcpts []string) *accepted {
	id := store.NewID(now)
	sum := sha256.Sum256([]byte(id))
	a := &accepted{day: now.UTC().Format("2006-01-02")}
	a.letter = &store.Letter{ID: id, MessageID: store.NewID(now), SenderID: sender,
		SenderAddress: sender + "@example.de-mail.de", Subject: "Mahnung " + id, DispatchConfirmation: true,
		ReceiptConfirmation: true, AuthLevel: account.Normal,
		Recipients: []byte(`{"to":["r@example.de-mail.de"]}`), BodyBlob: "blob-" + id,
		BodySize: 4096, BodyHash: sum[:], SubmittedAt: now,
		// A small body travels in the letter's row, as the mailbox keeps it.
		BodyInline: true, BodySealed: bytes.Repeat(sum[:], 8)}
	a.sent = &store.Copy{ID: store.NewID(now), LetterID: id, AccountID: sender, Folder: store.Sent,
		Role: "sender", Header: []byte("From: s\r\nTo: r\r\nBcc: b\r\n"), Arrived: now}
	a.events = append(a.events, &store.Event{ID: store.NewID(now), LetterID: id, CopyID: a.sent.ID,
		AccountID: sender, Kind: store.EventAccepted, At: now, Level: account.Normal})
	for i, r := range rcpts {
		role := "to"
		if i == len(rcpts)-1 && i > 0 {
			role = "bcc"
		}
		c := &store.Copy{ID: store.NewID(now), LetterID: id, AccountID: r, Folder: store.Inbox, Role: role,
			Header: []byte("From: s\r\nTo: r\r\n"), Arrived: now}
		a.copies = append(a.copies, c)
		a.events = append(a.events, &store.Event{ID: store.NewID(now), LetterID: id, CopyID: c.ID,
			AccountID: r, Kind: store.EventStored, At: now})
	}
	return a
}

// run is the accept transaction: check the sender and the recipients, count the
// daily usage, insert the letter, the copies and the events.
func (a *accepted) run(tx store.Tx) error {
	sender, err := tx.AccountByID(a.letter.SenderID)
	if err != nil {
		return fmt.Errorf("sender: %w", err)
	}
	if sender.Status != account.Active {
		return fmt.Errorf("sender %s is %s", sender.ID, sender.Status)
	}
	msgs, rcpts, err := tx.DailyUsage(sender.ID, a.day)
	if err != nil {
		return err
	}
	if msgs > 1<<30 || rcpts > 1<<30 {
		return errors.New("daily limit")
	}
	if err := tx.AddDailyUsage(sender.ID, a.day, 1, len(a.copies)); err != nil {
		return err
	}
	for _, c := range a.copies {
		if _, err := tx.AccountByID(c.AccountID); err != nil {
			return fmt.Errorf("recipient %s: %w", c.AccountID, err)
		}
	}
	if err := tx.InsertLetter(a.letter); err != nil {
		return err
	}
	if err := tx.InsertCopy(a.sent); err != nil {
		return err
	}
	if err := tx.InsertEvent(a.events[0]); err != nil {
		return err
	}
	for i, c := range a.copies {
		if err := tx.InsertCopy(c); err != nil {
			return err
		}
		if err := tx.InsertEvent(a.events[i+1]); err != nil {
			return err
		}
	}
	if len(a.jobs) > 0 {
		return tx.Enqueue(a.jobs...)
	}
	return nil
}

// acceptAccounts inserts the sender and the recipients of the accept tests.
func acceptAccounts(t testing.TB, s store.Store, sender string, rcpts []string) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, id := range append([]string{sender}, rcpts...) {
			if err := tx.InsertAccount(newAccount(id, id+"@example.de-mail.de")); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkAccepted checks that everything a wrote is there, or, with present false,
// that none of it is.
func checkAccepted(t *testing.T, s store.Store, a *accepted, present bool) {
	t.Helper()
	view(t, s, func(tx store.Tx) error {
		l, err := tx.LetterByID(a.letter.ID)
		if !present {
			wantErr(t, "LetterByID(refused letter)", err, store.ErrNotFound)
			for _, c := range append([]*store.Copy{a.sent}, a.copies...) {
				// A reused id finds the earlier letter's copy, not this one.
				got, err := tx.CopyByID(c.ID)
				if err == nil && got.LetterID != a.letter.ID {
					continue
				}
				wantErr(t, "CopyByID(copy of a refused letter)", err, store.ErrNotFound)
			}
			if cs, err := tx.CopiesOfLetter(a.letter.ID); err != nil || len(cs) != 0 {
				t.Errorf("CopiesOfLetter(refused letter) = %d copies, %v", len(cs), err)
			}
			if _, err := tx.Body(a.letter.ID); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("Body(refused letter) = %v, want ErrNotFound", err)
			}
			if evs, err := tx.Events(a.letter.ID); err != nil || len(evs) != 0 {
				t.Errorf("Events(refused letter) = %d events, %v", len(evs), err)
			}
			if n, err := tx.CountLetterBlobRefs(a.letter.BodyBlob); err != nil || n != 0 {
				t.Errorf("CountLetterBlobRefs(refused letter's body) = %d, %v", n, err)
			}
			for _, j := range a.jobs {
				if got, err := tx.JobByKey(j.Kind, j.Key); err == nil && got.ID == j.ID {
					t.Errorf("job %s of a refused letter is queued", j.ID)
				} else if err != nil && !errors.Is(err, store.ErrNotFound) {
					return err
				}
			}
			return nil
		}
		if err != nil {
			return fmt.Errorf("LetterByID(accepted letter): %w", err)
		}
		want := *a.letter
		want.BodySealed = nil // scans leave it out; Body reads it
		check(t, "accepted letter", l, &want)
		body, err := tx.Body(a.letter.ID)
		if err != nil {
			return fmt.Errorf("Body(accepted letter): %w", err)
		}
		check(t, "accepted letter's body", body, a.letter.BodySealed)
		for _, c := range append([]*store.Copy{a.sent}, a.copies...) {
			got, err := tx.CopyByID(c.ID)
			if err != nil {
				return fmt.Errorf("CopyByID(%s): %w", c.ID, err)
			}
			check(t, "accepted copy", got, withLetter(c, &want))
			list, err := tx.ListCopies(c.AccountID, c.Folder, nil, 100)
			if err != nil {
				return err
			}
			found := false
			for _, x := range list {
				found = found || x.ID == c.ID
			}
			if !found {
				t.Errorf("copy %s is not listed in %s's %s", c.ID, c.AccountID, c.Folder)
			}
		}
		if cs, err := tx.CopiesOfLetter(a.letter.ID); err != nil || len(cs) != 1+len(a.copies) {
			t.Errorf("CopiesOfLetter(accepted letter) = %d copies, %v; want %d", len(cs), err, 1+len(a.copies))
		}
		evs, err := tx.Events(a.letter.ID)
		if err != nil {
			return err
		}
		if len(evs) != len(a.events) {
			t.Errorf("Events(accepted letter) = %d events, want %d", len(evs), len(a.events))
		}
		kinds := map[string]int{}
		for _, e := range evs {
			kinds[e.Kind]++
		}
		if kinds[store.EventAccepted] != 1 || kinds[store.EventStored] != len(a.copies) {
			t.Errorf("Events(accepted letter) kinds = %v", kinds)
		}
		for _, j := range a.jobs {
			got, err := tx.JobByKey(j.Kind, j.Key)
			if err != nil {
				return fmt.Errorf("JobByKey(%s) of an accepted letter: %w", j.Key, err)
			}
			check(t, "accepted letter's job", got, j)
		}
		return nil
	})
}

func usageOf(t *testing.T, s store.Store, acct, day string) (int, int) {
	t.Helper()
	var m, r int
	view(t, s, func(tx store.Tx) (err error) {
		m, r, err = tx.DailyUsage(acct, day)
		return err
	})
	return m, r
}

func testAccept(t *testing.T, s store.Store) {
	rcpts := []string{"acct-r1", "acct-r2", "acct-r3", "acct-r4"}
	acceptAccounts(t, s, "acct-s", rcpts)
	a := makeAccept(t0, "acct-s", rcpts).withJobs()
	update(t, s, a.run)
	checkAccepted(t, s, a, true)
	if m, r := usageOf(t, s, "acct-s", a.day); m != 1 || r != len(rcpts) {
		t.Errorf("DailyUsage after one accept = %d, %d; want 1, %d", m, r, len(rcpts))
	}
	b := makeAccept(at(time.Second), "acct-s", rcpts[:2])
	update(t, s, b.run)
	checkAccepted(t, s, b, true)
	if m, r := usageOf(t, s, "acct-s", a.day); m != 2 || r != len(rcpts)+2 {
		t.Errorf("DailyUsage after two accepts = %d, %d; want 2, %d", m, r, len(rcpts)+2)
	}
	// The recipient's inbox shows the newer letter first.
	got := listAll(t, s, "acct-r1", store.Inbox, 10)
	if ids := copyIDs(got); len(ids) != 2 || ids[0] != b.copies[0].ID || ids[1] != a.copies[0].ID {
		t.Errorf("inbox of acct-r1 = %v, want [%s %s]", ids, b.copies[0].ID, a.copies[0].ID)
	}
}

func testAcceptAllOrNothing(t *testing.T, s store.Store) {
	rcpts := []string{"acct-r1", "acct-r2", "acct-r3"}
	acceptAccounts(t, s, "acct-s", rcpts)
	first := makeAccept(t0, "acct-s", rcpts).withJobs()
	update(t, s, first.run)

	// The last insert fails: the last recipient's copy reuses an id.
	bad := makeAccept(at(time.Minute), "acct-s", rcpts).withJobs()
	bad.copies[len(bad.copies)-1].ID = bad.sent.ID
	err := s.Update(t.Context(), bad.run)
	wantErr(t, "accept whose last copy has a duplicate id", err, store.ErrConflict)
	checkAccepted(t, s, bad, false)
	if m, r := usageOf(t, s, "acct-s", bad.day); m != 1 || r != len(rcpts) {
		t.Errorf("DailyUsage after a failed accept = %d, %d; want 1, %d (the first accept only)", m, r, len(rcpts))
	}
	// The same with a duplicate of an earlier letter's copy, and with the very
	// last event failing.
	bad2 := makeAccept(at(2*time.Minute), "acct-s", rcpts)
	bad2.copies[len(bad2.copies)-1].ID = first.copies[0].ID
	wantErr(t, "accept reusing an earlier copy id", s.Update(t.Context(), bad2.run), store.ErrConflict)
	checkAccepted(t, s, bad2, false)
	bad3 := makeAccept(at(3*time.Minute), "acct-s", rcpts)
	bad3.events[len(bad3.events)-1].ID = first.events[0].ID
	wantErr(t, "accept reusing an event id", s.Update(t.Context(), bad3.run), store.ErrConflict)
	checkAccepted(t, s, bad3, false)
	// A duplicate message id (a retried delivery) refuses the whole accept too.
	bad4 := makeAccept(at(4*time.Minute), "acct-s", rcpts)
	bad4.letter.MessageID = first.letter.MessageID
	wantErr(t, "accept with a known message id", s.Update(t.Context(), bad4.run), store.ErrConflict)
	checkAccepted(t, s, bad4, false)
	// The very last write, a queue entry, fails: nothing of the accept stays.
	bad5 := makeAccept(at(4*time.Minute+30*time.Second), "acct-s", rcpts).withJobs()
	bad5.jobs[len(bad5.jobs)-1].Key = first.jobs[0].Key
	wantErr(t, "accept whose last queue entry is a duplicate", s.Update(t.Context(), bad5.run), store.ErrConflict)
	checkAccepted(t, s, bad5, false)

	// The first letter is untouched, and a good accept still works.
	checkAccepted(t, s, first, true)
	good := makeAccept(at(5*time.Minute), "acct-s", rcpts)
	update(t, s, good.run)
	checkAccepted(t, s, good, true)
	if m, r := usageOf(t, s, "acct-s", good.day); m != 2 || r != 2*len(rcpts) {
		t.Errorf("DailyUsage after two good accepts and four failed = %d, %d; want 2, %d", m, r, 2*len(rcpts))
	}
}

// testAcceptConcurrent: many accepts at once, some failing, as grouped commits
// see them in production.
func testAcceptConcurrent(t *testing.T, s store.Store) {
	rcpts := []string{"acct-r1", "acct-r2", "acct-r3"}
	acceptAccounts(t, s, "acct-s", rcpts)
	const n = 30
	as := make([]*accepted, n)
	errs := make([]error, n)
	for i := range n {
		as[i] = makeAccept(at(time.Duration(i)*time.Millisecond), "acct-s", rcpts)
		if i%3 == 2 {
			as[i].copies[len(as[i].copies)-1].ID = as[i].sent.ID
		}
	}
	start(n, func(i int) { errs[i] = s.Update(t.Context(), as[i].run) })
	ok := 0
	for i := range n {
		if i%3 == 2 {
			wantErr(t, fmt.Sprintf("failing accept %d", i), errs[i], store.ErrConflict)
			checkAccepted(t, s, as[i], false)
			continue
		}
		if errs[i] != nil {
			t.Errorf("accept %d: %v", i, errs[i])
			continue
		}
		ok++
		checkAccepted(t, s, as[i], true)
	}
	if m, r := usageOf(t, s, "acct-s", as[0].day); m != ok || r != ok*len(rcpts) {
		t.Errorf("DailyUsage after %d good accepts = %d, %d; want %d, %d", ok, m, r, ok, ok*len(rcpts))
	}
	for _, r := range rcpts {
		if got := listAll(t, s, r, store.Inbox, 8); len(got) != ok {
			t.Errorf("inbox of %s holds %d copies, want %d", r, len(got), ok)
		}
	}
}

// BenchmarkAccept measures the accept transaction (a letter, the sender's copy,
// recipients copies, their events and the daily usage in one Update) on the
// store that open returns, from the given number of goroutines (1 for serial
// accepts). It reports accepts/s. Every implementation's benchmarks call it, so
// the numbers compare.
func BenchmarkAccept(b *testing.B, open func(b *testing.B) store.Store, goroutines, recipients int) {
	s := open(b)
	var rcpts []string
	for i := range recipients {
		rcpts = append(rcpts, fmt.Sprintf("acct-r%d", i))
	}
	acceptAccounts(b, s, "acct-s", rcpts)
	base := time.Now()
	var seq atomic.Int64
	accept := func() error {
		a := makeAccept(base.Add(time.Duration(seq.Add(1))*time.Microsecond), "acct-s", rcpts)
		return s.Update(b.Context(), a.run)
	}
	b.ReportAllocs()
	b.ResetTimer()
	if goroutines <= 1 {
		for b.Loop() {
			if err := accept(); err != nil {
				b.Fatal(err)
			}
		}
	} else {
		procs := runtime.GOMAXPROCS(0)
		b.SetParallelism((goroutines + procs - 1) / procs)
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if err := accept(); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "accepts/s")
}
