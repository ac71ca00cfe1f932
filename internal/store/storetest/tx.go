package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

var txTests = []test{
	{"ViewRefusesWrites", testViewRefusesWrites},
	{"Peek", testPeek},
	{"ErrorUndoesFunction", testErrorUndoes},
	{"ReadOwnWrites", testReadOwnWrites},
	{"HandledErrorDoesNotSpoil", testHandledError},
	{"GroupedFailures", testGroupedFailures},
	{"Panic", testPanic},
	{"VisibleWhenUpdateReturns", testVisibleAfterUpdate},
	{"CanceledContext", testCanceled},
	{"ConcurrentCounter", testConcurrentCounter},
	{"ConcurrentMailbox", testConcurrentMailbox},
	{"ConcurrentViews", testConcurrentViews},
}

var errTest = errors.New("storetest: the function fails on purpose")

// exists reports which of the accounts with these ids exist.
func existing(t *testing.T, s store.Store, ids []string) []string {
	t.Helper()
	var out []string
	view(t, s, func(tx store.Tx) error {
		for _, id := range ids {
			_, err := tx.AccountByID(id)
			switch {
			case err == nil:
				out = append(out, id)
			case !errors.Is(err, store.ErrNotFound):
				return fmt.Errorf("AccountByID(%s): %w", id, err)
			}
		}
		return nil
	})
	return out
}

func testViewRefusesWrites(t *testing.T, s store.Store) {
	// Records to update and delete, so that each write would succeed in Update.
	acct := newAccount("acct-1", "a@example.de-mail.de")
	sess := &store.Session{TokenHash: "tok-1", AccountID: acct.ID, Level: account.Normal,
		CreatedAt: t0, LastSeen: t0, ExpiresAt: at(time.Hour)}
	l := newLetter("let-1", "msg-1", acct.ID)
	c := newCopy("copy-1", l.ID, acct.ID, store.Sent, t0)
	entry := sealed(acct.ID, account.Entry{}, 1)[0]
	update(t, s, func(tx store.Tx) error {
		for _, err := range []error{tx.InsertAccount(acct), tx.InsertSession(sess),
			tx.InsertLetter(l), tx.InsertCopy(c), tx.AddDailyUsage(acct.ID, "2025-03-14", 1, 1)} {
			if err != nil {
				return err
			}
		}
		return nil
	})

	changedAcct := *acct
	changedAcct.Status = account.Closed
	changedSess := *sess
	changedSess.Level = account.High
	changedCopy := *c
	changedCopy.Folder = store.Trash
	writes := []struct {
		name string
		fn   func(tx store.Tx) error
	}{
		{"InsertAccount", func(tx store.Tx) error { return tx.InsertAccount(newAccount("acct-2", "b@example.de-mail.de")) }},
		{"UpdateAccount", func(tx store.Tx) error { return tx.UpdateAccount(&changedAcct) }},
		{"ReleaseAddress", func(tx store.Tx) error { return tx.ReleaseAddress("gone@example.de-mail.de", t0) }},
		{"AppendHistory", func(tx store.Tx) error { return tx.AppendHistory(entry) }},
		{"AddDailyUsage", func(tx store.Tx) error { return tx.AddDailyUsage(acct.ID, "2025-03-14", 1, 1) }},
		{"InsertOfficer", func(tx store.Tx) error {
			return tx.InsertOfficer(&store.Officer{ID: "off-1", Name: "X", Role: "officer", TokenHash: "h", CreatedAt: t0})
		}},
		{"InsertSession", func(tx store.Tx) error {
			return tx.InsertSession(&store.Session{TokenHash: "tok-2", AccountID: acct.ID, Level: account.Normal, CreatedAt: t0})
		}},
		{"UpdateSession", func(tx store.Tx) error { return tx.UpdateSession(&changedSess) }},
		{"DeleteSession", func(tx store.Tx) error { return tx.DeleteSession(sess.TokenHash) }},
		{"DeleteAccountSessions", func(tx store.Tx) error { return tx.DeleteAccountSessions(acct.ID) }},
		{"InsertLetter", func(tx store.Tx) error { return tx.InsertLetter(newLetter("let-2", "msg-2", acct.ID)) }},
		{"InsertCopy", func(tx store.Tx) error { return tx.InsertCopy(newCopy("copy-2", l.ID, acct.ID, store.Inbox, t0)) }},
		{"UpdateCopy", func(tx store.Tx) error { return tx.UpdateCopy(&changedCopy) }},
		{"DeleteCopy", func(tx store.Tx) error { return tx.DeleteCopy(c.ID) }},
		{"DeleteLetter", func(tx store.Tx) error { return tx.DeleteLetter(l.ID) }},
		{"InsertEvent", func(tx store.Tx) error {
			return tx.InsertEvent(&store.Event{ID: "ev-1", LetterID: l.ID, AccountID: acct.ID, Kind: store.EventAccepted, At: t0})
		}},
		{"Enqueue", func(tx store.Tx) error { return tx.Enqueue(newJob("j-1", "deliver", "copy-1", t0)) }},
		{"AcquireLease", func(tx store.Tx) error { _, err := tx.AcquireLease("x", "node-a", t0, at(time.Minute)); return err }},
	}
	for _, w := range writes {
		// Each in a View of its own: a refused write may end the transaction.
		var werr error
		err := s.View(t.Context(), func(tx store.Tx) error {
			werr = w.fn(tx)
			return nil
		})
		if werr == nil {
			t.Errorf("%s inside View succeeded, want an error", w.name)
		}
		_ = err // View may report the refused write too; either way nothing lands.
	}

	// Nothing changed.
	view(t, s, func(tx store.Tx) error {
		got, err := tx.AccountByID(acct.ID)
		if err != nil {
			return err
		}
		check(t, "account after writes in View", got, acct)
		if _, err := tx.AccountByID("acct-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InsertAccount in View left an account (%v)", err)
		}
		if taken, err := tx.AddressTaken("gone@example.de-mail.de", t0); err != nil || taken {
			t.Errorf("ReleaseAddress in View left a release (%v, %v)", taken, err)
		}
		if h, err := tx.History(acct.ID); err != nil || len(h) != 0 {
			t.Errorf("AppendHistory in View left %d entries (%v)", len(h), err)
		}
		if m, r, err := tx.DailyUsage(acct.ID, "2025-03-14"); err != nil || m != 1 || r != 1 {
			t.Errorf("DailyUsage after AddDailyUsage in View = %d, %d, %v; want 1, 1", m, r, err)
		}
		if _, err := tx.OfficerByID("off-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InsertOfficer in View left an officer (%v)", err)
		}
		gotSess, err := tx.SessionByTokenHash(sess.TokenHash)
		if err != nil {
			return fmt.Errorf("session after writes in View: %w", err)
		}
		check(t, "session after writes in View", gotSess, sess)
		if _, err := tx.SessionByTokenHash("tok-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InsertSession in View left a session (%v)", err)
		}
		if _, err := tx.LetterByID("let-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InsertLetter in View left a letter (%v)", err)
		}
		if _, err := tx.LetterByID(l.ID); err != nil {
			t.Errorf("DeleteLetter in View deleted the letter (%v)", err)
		}
		if _, err := tx.CopyByID("copy-2"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("InsertCopy in View left a copy (%v)", err)
		}
		gotCopy, err := tx.CopyByID(c.ID)
		if err != nil {
			return fmt.Errorf("copy after writes in View: %w", err)
		}
		check(t, "copy after writes in View", gotCopy, withLetter(c, l))
		if evs, err := tx.Events(l.ID); err != nil || len(evs) != 0 {
			t.Errorf("InsertEvent in View left %d events (%v)", len(evs), err)
		}
		if _, err := tx.Body("body-1"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("PutBody in View left a body (%v)", err)
		}
		return nil
	})
}

func testErrorUndoes(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.InsertAccount(newAccount("acct-kept", "kept@example.de-mail.de"))
	})
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-gone", "gone@example.de-mail.de")); err != nil {
			return err
		}
		kept := newAccount("acct-kept", "kept@example.de-mail.de")
		kept.Status = account.Closed
		if err := tx.UpdateAccount(kept); err != nil {
			return err
		}
		if err := tx.AddDailyUsage("acct-kept", "2025-03-14", 5, 5); err != nil {
			return err
		}
		if err := tx.ReleaseAddress("released@example.de-mail.de", t0); err != nil {
			return err
		}
		return fmt.Errorf("wrapped: %w", errTest)
	})
	wantErr(t, "Update whose function fails", err, errTest)
	if got := existing(t, s, []string{"acct-kept", "acct-gone"}); !slices.Equal(got, []string{"acct-kept"}) {
		t.Errorf("accounts after a failed Update = %v, want [acct-kept]", got)
	}
	view(t, s, func(tx store.Tx) error {
		a, err := tx.AccountByID("acct-kept")
		if err != nil {
			return err
		}
		if a.Status != account.Active {
			t.Errorf("a failed Update's UpdateAccount landed: status %s", a.Status)
		}
		if m, r, err := tx.DailyUsage("acct-kept", "2025-03-14"); err != nil || m != 0 || r != 0 {
			t.Errorf("a failed Update's AddDailyUsage landed: %d, %d, %v", m, r, err)
		}
		if taken, err := tx.AddressTaken("released@example.de-mail.de", t0); err != nil || taken {
			t.Errorf("a failed Update's ReleaseAddress landed: %v, %v", taken, err)
		}
		return nil
	})
}

func testReadOwnWrites(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	c := newCopy("copy-1", l.ID, "acct-1", store.Sent, t0)
	update(t, s, func(tx store.Tx) error {
		a := newAccount("acct-1", "a@example.de-mail.de")
		if err := tx.InsertAccount(a); err != nil {
			return err
		}
		if got, err := tx.AccountByAddress(a.Address); err != nil || got.ID != a.ID {
			return fmt.Errorf("AccountByAddress of an account inserted in this Update: %v, %v", got, err)
		}
		a.Status = account.Closed
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if got, err := tx.AccountByID(a.ID); err != nil || got.Status != account.Closed {
			return fmt.Errorf("AccountByID after UpdateAccount in this Update: %v, %v", got, err)
		}
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertCopy(c); err != nil {
			return err
		}
		got, err := tx.CopyByID(c.ID)
		if err != nil || got.Letter == nil || got.Letter.MessageID != l.MessageID {
			return fmt.Errorf("CopyByID of a copy inserted in this Update: %+v, %v", got, err)
		}
		list, err := tx.ListCopies("acct-1", store.Sent, nil, 10)
		if err != nil || len(list) != 1 {
			return fmt.Errorf("ListCopies in this Update: %d copies, %v", len(list), err)
		}
		return nil
	})
}

// testHandledError: a function that handles an error of one of its writes can go
// on, and what it wrote before and after is committed.
func testHandledError(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.InsertAccount(newAccount("acct-1", "taken@example.de-mail.de"))
	})
	var conflict error
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-2", "before@example.de-mail.de")); err != nil {
			return err
		}
		// As registration does when an address was just taken: try another.
		conflict = tx.InsertAccount(newAccount("acct-3", "taken@example.de-mail.de"))
		if !errors.Is(conflict, store.ErrConflict) {
			return fmt.Errorf("InsertAccount(taken address) = %v, want ErrConflict", conflict)
		}
		if _, err := tx.LetterByID("let-nope"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("LetterByID(unknown) = %v, want ErrNotFound", err)
		}
		if err := tx.InsertAccount(newAccount("acct-3", "free@example.de-mail.de")); err != nil {
			return fmt.Errorf("InsertAccount after a handled conflict: %w", err)
		}
		return tx.AddDailyUsage("acct-3", "2025-03-14", 1, 1)
	})
	if got := existing(t, s, []string{"acct-1", "acct-2", "acct-3"}); len(got) != 3 {
		t.Errorf("accounts after an Update that handled a conflict = %v, want all three", got)
	}
	view(t, s, func(tx store.Tx) error {
		a, err := tx.AccountByID("acct-3")
		if err != nil {
			return err
		}
		if a.Address != "free@example.de-mail.de" {
			t.Errorf("acct-3 has address %s, want free@example.de-mail.de", a.Address)
		}
		return nil
	})
}

// start runs n goroutines that wait for one signal, so that they reach the
// store together and their Updates share commits.
func start(n int, fn func(i int)) {
	var ready, done sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(n)
	done.Add(n)
	for i := range n {
		go func() {
			defer done.Done()
			ready.Done()
			<-gate
			fn(i)
		}()
	}
	ready.Wait()
	close(gate)
	done.Wait()
}

func testGroupedFailures(t *testing.T, s store.Store) {
	const n = 40
	errs := make([]error, n)
	var ids, want []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("acct-%02d", i))
		if i%2 == 0 {
			want = append(want, ids[i])
		}
	}
	start(n, func(i int) {
		sentinel := fmt.Errorf("function %d: %w", i, errTest)
		errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
			id := ids[i]
			if err := tx.InsertAccount(newAccount(id, id+"@example.de-mail.de")); err != nil {
				return err
			}
			if err := tx.AppendHistory(sealed(id, account.Entry{}, 1)[0]); err != nil {
				return err
			}
			// Everybody counts into the same row.
			if err := tx.AddDailyUsage("acct-shared", "2025-03-14", 1, i); err != nil {
				return err
			}
			if i%2 == 1 {
				return sentinel
			}
			return nil
		})
	})
	wantMsgs, wantRcpts := 0, 0
	for i, err := range errs {
		if i%2 == 0 {
			if err != nil {
				t.Errorf("Update %d (succeeds) = %v, want nil", i, err)
			}
			wantMsgs, wantRcpts = wantMsgs+1, wantRcpts+i
			continue
		}
		// Each failing caller gets its own error, not a neighbour's.
		if !errors.Is(err, errTest) || err.Error() != fmt.Sprintf("function %d: %v", i, errTest) {
			t.Errorf("Update %d (fails) = %v, want its own error", i, err)
		}
	}
	if got := existing(t, s, ids); !slices.Equal(got, want) {
		t.Errorf("accounts after grouped Updates = %v, want %v", got, want)
	}
	view(t, s, func(tx store.Tx) error {
		for i, id := range ids {
			h, err := tx.History(id)
			if err != nil {
				return err
			}
			if wantN := 1 - i%2; len(h) != wantN {
				t.Errorf("History(%s) has %d entries, want %d", id, len(h), wantN)
			}
		}
		m, r, err := tx.DailyUsage("acct-shared", "2025-03-14")
		if err != nil {
			return err
		}
		if m != wantMsgs || r != wantRcpts {
			t.Errorf("shared DailyUsage = %d, %d; want %d, %d (only the successful Updates)", m, r, wantMsgs, wantRcpts)
		}
		return nil
	})
}

func testPanic(t *testing.T, s store.Store) {
	const n = 10
	errs := make([]error, n)
	panicked := make([]bool, n)
	var ids []string
	for i := range n {
		ids = append(ids, fmt.Sprintf("acct-%02d", i))
	}
	start(n, func(i int) {
		defer func() {
			// Re-panicking in the caller is as good as an error.
			if p := recover(); p != nil {
				panicked[i] = true
			}
		}()
		errs[i] = s.Update(t.Context(), func(tx store.Tx) error {
			if err := tx.InsertAccount(newAccount(ids[i], ids[i]+"@example.de-mail.de")); err != nil {
				return err
			}
			if i == 3 {
				panic("storetest: the function panics on purpose")
			}
			return nil
		})
	})
	for i := range n {
		failed := errs[i] != nil || panicked[i]
		if i == 3 && !failed {
			t.Errorf("Update whose function panicked succeeded")
		}
		if i != 3 && failed {
			t.Errorf("Update %d failed next to a panicking one: %v (panicked: %v)", i, errs[i], panicked[i])
		}
	}
	want := slices.Delete(slices.Clone(ids), 3, 4)
	if got := existing(t, s, ids); !slices.Equal(got, want) {
		t.Errorf("accounts after a panicking Update = %v, want %v", got, want)
	}
	// The store still works.
	update(t, s, func(tx store.Tx) error { return tx.InsertAccount(newAccount("acct-after", "after@example.de-mail.de")) })
	if got := existing(t, s, []string{"acct-after"}); len(got) != 1 {
		t.Errorf("Update after a panic did not land")
	}
}

func testVisibleAfterUpdate(t *testing.T, s store.Store) {
	const n = 20
	start(n, func(i int) {
		for j := range 5 {
			id := fmt.Sprintf("acct-%02d-%d", i, j)
			if err := s.Update(t.Context(), func(tx store.Tx) error {
				if err := tx.InsertAccount(newAccount(id, id+"@example.de-mail.de")); err != nil {
					return err
				}
				return tx.AddDailyUsage("acct-shared", "2025-03-14", 1, 0)
			}); err != nil {
				t.Errorf("Update %s: %v", id, err)
				return
			}
			// No sleep, no retry: the write is there as soon as Update returns.
			var m int
			err := s.View(t.Context(), func(tx store.Tx) (err error) {
				if _, err = tx.AccountByID(id); err != nil {
					return err
				}
				m, _, err = tx.DailyUsage("acct-shared", "2025-03-14")
				return err
			})
			if err != nil {
				t.Errorf("View right after Update(%s): %v", id, err)
				return
			}
			// At least this goroutine's own increments are counted.
			if m < j+1 {
				t.Errorf("DailyUsage right after Update %s = %d, want at least %d", id, m, j+1)
			}
		}
	})
}

func testCanceled(t *testing.T, s store.Store) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(newAccount("acct-1", "a@example.de-mail.de"))
	})
	wantErr(t, "Update(canceled context)", err, context.Canceled)
	err = s.View(ctx, func(tx store.Tx) error { return nil })
	if err == nil {
		t.Errorf("View(canceled context) succeeded, want an error")
	}
	if got := existing(t, s, []string{"acct-1"}); len(got) != 0 {
		t.Errorf("Update with a canceled context wrote %v", got)
	}

	// A context that ends after the Update returned changes nothing.
	ctx, cancel = context.WithCancel(t.Context())
	if err := s.Update(ctx, func(tx store.Tx) error {
		return tx.InsertAccount(newAccount("acct-2", "b@example.de-mail.de"))
	}); err != nil {
		t.Fatalf("Update: %v", err)
	}
	cancel()
	if got := existing(t, s, []string{"acct-2"}); len(got) != 1 {
		t.Errorf("account written before the context ended is gone")
	}
}

// testConcurrentCounter: many writers on the same row lose no update.
func testConcurrentCounter(t *testing.T, s store.Store) {
	const goroutines, each = 50, 20
	start(goroutines, func(i int) {
		for range each {
			err := s.Update(t.Context(), func(tx store.Tx) error {
				// Read, then write, as the accept transaction checks the limit.
				if _, _, err := tx.DailyUsage("acct-1", "2025-03-14"); err != nil {
					return err
				}
				return tx.AddDailyUsage("acct-1", "2025-03-14", 1, 3)
			})
			if err != nil {
				t.Errorf("goroutine %d: Update: %v", i, err)
				return
			}
		}
	})
	var m, r int
	view(t, s, func(tx store.Tx) (err error) {
		m, r, err = tx.DailyUsage("acct-1", "2025-03-14")
		return err
	})
	if m != goroutines*each || r != 3*goroutines*each {
		t.Errorf("DailyUsage after %d concurrent increments = %d, %d; want %d, %d",
			goroutines*each, m, r, goroutines*each, 3*goroutines*each)
	}
}

// testConcurrentMailbox: two writers deliver into the same mailbox at once.
func testConcurrentMailbox(t *testing.T, s store.Store) {
	const writers, each = 2, 50
	start(writers, func(w int) {
		for j := range each {
			id := fmt.Sprintf("w%d-%02d", w, j)
			err := s.Update(t.Context(), func(tx store.Tx) error {
				l := newLetter("let-"+id, "msg-"+id, fmt.Sprintf("acct-sender-%d", w))
				if err := tx.InsertLetter(l); err != nil {
					return err
				}
				// Same arrival time for both writers: ties are normal.
				return tx.InsertCopy(newCopy("copy-"+id, l.ID, "acct-rcpt", store.Inbox, at(time.Duration(j)*time.Second)))
			})
			if err != nil {
				t.Errorf("writer %d: Update: %v", w, err)
				return
			}
		}
	})
	got := listAll(t, s, "acct-rcpt", store.Inbox, 7)
	if len(got) != writers*each {
		t.Errorf("inbox after concurrent deliveries holds %d copies, want %d", len(got), writers*each)
	}
	seen := map[string]bool{}
	for _, c := range got {
		if seen[c.ID] {
			t.Errorf("copy %s listed twice", c.ID)
		}
		seen[c.ID] = true
	}
}

// testConcurrentViews: a burst of readers on a fresh store, every one running
// every kind of query at once, more readers than a store is likely to keep
// connections for. Nothing may wait for anything but the database.
func testConcurrentViews(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-1", "a@example.de-mail.de")); err != nil {
			return err
		}
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(newCopy("copy-1", l.ID, "acct-1", store.Inbox, t0))
	})
	const readers = 64
	// Readers report here, not to t: after a timeout they may outlive the test.
	errs := make(chan error, readers)
	done := make(chan struct{})
	go func() {
		defer close(done)
		start(readers, func(i int) {
			err := s.View(t.Context(), func(tx store.Tx) error {
				if _, err := tx.AccountByID("acct-1"); err != nil {
					return err
				}
				if _, err := tx.AccountByAddress("a@example.de-mail.de"); err != nil {
					return err
				}
				if _, err := tx.ListAccounts("", "", 10); err != nil {
					return err
				}
				if _, err := tx.AddressTaken("b@example.de-mail.de", t0); err != nil {
					return err
				}
				if _, err := tx.History("acct-1"); err != nil {
					return err
				}
				if _, _, err := tx.DailyUsage("acct-1", "2025-03-14"); err != nil {
					return err
				}
				if _, err := tx.LetterByID(l.ID); err != nil {
					return err
				}
				if _, err := tx.CopyByID("copy-1"); err != nil {
					return err
				}
				if _, err := tx.ListCopies("acct-1", store.Inbox, nil, 10); err != nil {
					return err
				}
				if _, err := tx.CopiesOfLetter(l.ID); err != nil {
					return err
				}
				if _, err := tx.Events(l.ID); err != nil {
					return err
				}
				_, err := tx.CountLetterBlobRefs(l.BodyBlob)
				return err
			})
			if err != nil {
				errs <- fmt.Errorf("reader %d: %w", i, err)
			}
		})
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatalf("%d concurrent Views still running after a minute: the store deadlocks", readers)
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testPeek(t *testing.T, s store.Store) {
	acct := newAccount("acct-1", "a@example.de-mail.de")
	sess := &store.Session{TokenHash: "tok-1", AccountID: acct.ID, Level: account.High,
		CreatedAt: t0, LastSeen: t0, ExpiresAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(acct); err != nil {
			return err
		}
		return tx.InsertSession(sess)
	})
	// A Peek sees what committed, and many run at once.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			err := s.Peek(t.Context(), func(tx store.Tx) error {
				gs, ga, err := tx.SessionAccount(sess.TokenHash)
				if err == nil {
					check(t, "Peek session", gs, sess)
					check(t, "Peek account", ga, acct)
				}
				return err
			})
			if err != nil {
				t.Errorf("Peek: %v", err)
			}
		})
	}
	wg.Wait()
	err := s.Peek(t.Context(), func(tx store.Tx) error { _, _, err := tx.SessionAccount("tok-none"); return err })
	wantErr(t, "Peek SessionAccount(unknown)", err, store.ErrNotFound)

	// A write fails and leaves nothing.
	var werr error
	_ = s.Peek(t.Context(), func(tx store.Tx) error {
		werr = tx.InsertAccount(newAccount("acct-2", "b@example.de-mail.de"))
		return nil
	})
	if werr == nil {
		t.Errorf("InsertAccount inside Peek succeeded, want an error")
	}
	if got := existing(t, s, []string{"acct-2"}); len(got) != 0 {
		t.Errorf("InsertAccount in Peek left %v", got)
	}

	// A second statement is a bug in the caller, refused loudly.
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("a second statement in Peek did not panic")
			}
		}()
		_ = s.Peek(t.Context(), func(tx store.Tx) error {
			if _, err := tx.AccountByID(acct.ID); err != nil {
				return err
			}
			_, err := tx.AccountByID(acct.ID)
			return err
		})
	}()
}
