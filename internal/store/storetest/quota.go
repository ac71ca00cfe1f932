package storetest

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// quotaTests hold mailbox usage (store/quota.go) to its contract: counted
// by the store itself with every copy written, whatever writes it.
var quotaTests = []test{
	{"CountsEveryCopy", testUsageCountsEveryCopy},
	{"MoveAndTrash", testUsageMoveAndTrash},
	{"FinalDelete", testUsageFinalDelete},
	{"UndoneWithItsWrite", testUsageUndone},
	{"SeenInItsTransaction", testUsageInTransaction},
	{"Concurrent", testUsageConcurrent},
	{"Fold", testUsageFold},
	{"FoldInBatches", testUsageFoldBatches},
	{"QuotaAndWarned", testUsageQuotaWarned},
	{"WriteFailsInView", testUsageReadOnly},
}

// quotaLetter is a letter of body bytes.
func quotaLetter(id string, body int64) *store.Letter {
	l := newLetter(id, "msg-"+id, "acct-s")
	l.BodySize = body
	return l
}

// sizeOf is what a copy of l counts: the body and the copy's header.
func sizeOf(l *store.Letter, c *store.Copy) int64 { return l.BodySize + int64(len(c.Header)) }

func usage(t *testing.T, s store.Store, id string) store.Usage {
	t.Helper()
	var u *store.Usage
	view(t, s, func(tx store.Tx) (err error) {
		u, err = tx.MailboxUsage(id)
		return err
	})
	if u.AccountID != id {
		t.Errorf("MailboxUsage(%s).AccountID = %q", id, u.AccountID)
	}
	return *u
}

func wantUsed(t *testing.T, s store.Store, what, id string, want int64) {
	t.Helper()
	if got := usage(t, s, id).Used; got != want {
		t.Errorf("%s: %s uses %d bytes, want %d", what, id, got, want)
	}
}

func insertLetterCopies(t *testing.T, s store.Store, l *store.Letter, cs ...*store.Copy) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(cs...)
	})
}

// testUsageCountsEveryCopy: each copy counts in its own mailbox, in any
// folder, with its letter's body and its own header; a copy held for
// another provider counts nowhere; an account with nothing uses nothing.
func testUsageCountsEveryCopy(t *testing.T, s store.Store) {
	wantUsed(t, s, "before anything", "acct-a", 0)
	l := quotaLetter("let-1", 10_000)
	sent := newCopy("c-sent", "let-1", "acct-a", store.Sent, at(time.Second))
	in := newCopy("c-in", "let-1", "acct-b", store.Inbox, at(time.Second))
	in.Header = append(in.Header, "Bcc: b@example.de-mail.de\r\n"...)
	relay := newCopy("c-relay", "let-1", "", store.Relay, at(time.Second))
	relay.Remote = "x@other.de-mail.de"
	insertLetterCopies(t, s, l, sent, in, relay)
	wantUsed(t, s, "a letter sent", "acct-a", sizeOf(l, sent))
	wantUsed(t, s, "a letter received", "acct-b", sizeOf(l, in))

	// More copies of the same letter, and of another, one by one, in a
	// confirmation folder and in one of the holder's own.
	l2 := quotaLetter("let-2", 777)
	conf := newCopy("c-conf", "let-2", "acct-a", store.Confirmations, at(2*time.Second))
	own := newCopy("c-own", "let-1", "acct-a", store.UserFolder("f-1"), at(3*time.Second))
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l2); err != nil {
			return err
		}
		if err := tx.InsertCopy(conf); err != nil {
			return err
		}
		return tx.InsertCopy(own)
	})
	wantUsed(t, s, "three copies", "acct-a", sizeOf(l, sent)+sizeOf(l2, conf)+sizeOf(l, own))
	wantUsed(t, s, "another mailbox's copies", "acct-b", sizeOf(l, in))
	wantUsed(t, s, "the relay copy's", "", 0)
}

// testUsageMoveAndTrash: moving a copy between folders, to the trash and
// back, changes nothing; so do reading and picking up.
func testUsageMoveAndTrash(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 5000)
	c := newCopy("c-1", "let-1", "acct-a", store.Inbox, at(time.Second))
	insertLetterCopies(t, s, l, c)
	want := sizeOf(l, c)
	steps := []func(c *store.Copy){
		func(c *store.Copy) { c.Folder = store.UserFolder("f-1") },
		func(c *store.Copy) { c.PrevFolder, c.Folder, c.TrashedAt = c.Folder, store.Trash, at(time.Hour) },
		func(c *store.Copy) { c.Folder, c.PrevFolder, c.TrashedAt = c.PrevFolder, "", time.Time{} },
		func(c *store.Copy) { c.FirstRead, c.PickedUp = at(2*time.Hour), at(2*time.Hour) },
	}
	for i, step := range steps {
		step(c)
		update(t, s, func(tx store.Tx) error { return tx.UpdateCopy(c) })
		wantUsed(t, s, fmt.Sprintf("after change %d", i+1), "acct-a", want)
	}
}

// testUsageFinalDelete: deleting a copy for good frees what it counted,
// and only in its own mailbox.
func testUsageFinalDelete(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 4096)
	a1 := newCopy("c-a1", "let-1", "acct-a", store.Sent, at(time.Second))
	a2 := newCopy("c-a2", "let-1", "acct-a", store.Trash, at(time.Second))
	b := newCopy("c-b", "let-1", "acct-b", store.Inbox, at(time.Second))
	insertLetterCopies(t, s, l, a1, a2, b)
	update(t, s, func(tx store.Tx) error { return tx.DeleteCopy("c-a2") })
	wantUsed(t, s, "one of two deleted", "acct-a", sizeOf(l, a1))
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteCopy("c-a1"); err != nil {
			return err
		}
		return tx.DeleteCopy("c-none") // deleting nothing frees nothing
	})
	wantUsed(t, s, "both deleted", "acct-a", 0)
	wantUsed(t, s, "the other mailbox", "acct-b", sizeOf(l, b))
}

// testUsageUndone: the copies of an Update that failed count nowhere.
func testUsageUndone(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 1000)
	c := newCopy("c-1", "let-1", "acct-a", store.Inbox, at(time.Second))
	insertLetterCopies(t, s, l, c)
	boom := errors.New("boom")
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertCopy(newCopy("c-2", "let-1", "acct-a", store.Sent, at(time.Second))); err != nil {
			return err
		}
		if err := tx.DeleteCopy("c-1"); err != nil {
			return err
		}
		return boom
	})
	wantErr(t, "a failing Update", err, boom)
	wantUsed(t, s, "after the failed Update", "acct-a", sizeOf(l, c))
}

// testUsageInTransaction: a transaction sees the usage its own writes made.
func testUsageInTransaction(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 300)
	c := newCopy("c-1", "let-1", "acct-a", store.Inbox, at(time.Second))
	var got int64
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertCopy(c); err != nil {
			return err
		}
		u, err := tx.MailboxUsage("acct-a")
		if err == nil {
			got = u.Used
		}
		return err
	})
	if got != sizeOf(l, c) {
		t.Errorf("usage inside the inserting transaction = %d, want %d", got, sizeOf(l, c))
	}
}

// testUsageConcurrent: many writers filing copies in one mailbox at once
// lose none of them.
func testUsageConcurrent(t *testing.T, s store.Store) {
	const writers, each = 8, 5
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				id := fmt.Sprintf("let-%d-%d", w, i)
				errs <- s.Update(t.Context(), func(tx store.Tx) error {
					if err := tx.InsertLetter(quotaLetter(id, 1000)); err != nil {
						return err
					}
					return tx.InsertCopy(newCopy("c-"+id, id, "acct-hot", store.Inbox, at(time.Second)),
						newCopy("s-"+id, id, "acct-s", store.Sent, at(time.Second)))
				})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Update: %v", err)
		}
	}
	c := newCopy("c-let-0-0", "let-0-0", "acct-hot", store.Inbox, at(time.Second))
	want := int64(writers*each) * sizeOf(quotaLetter("x", 1000), c)
	wantUsed(t, s, "after concurrent writers", "acct-hot", want)
	foldAll(t, s)
	wantUsed(t, s, "after folding", "acct-hot", want)
}

// foldAll folds until nothing is left and returns each account's last
// usage seen.
func foldAll(t *testing.T, s store.Store) map[string]store.Usage {
	t.Helper()
	out := map[string]store.Usage{}
	for range 100 {
		var us []store.Usage
		update(t, s, func(tx store.Tx) (err error) {
			us, err = tx.FoldUsage(1000)
			return err
		})
		if len(us) == 0 {
			return out
		}
		for _, u := range us {
			out[u.AccountID] = u
		}
	}
	t.Fatalf("FoldUsage still returns accounts after 100 calls")
	return nil
}

// byAccount is foldAll's result in the order of the accounts' ids.
func byAccount(m map[string]store.Usage) []store.Usage {
	var out []store.Usage
	for _, u := range m {
		out = append(out, u)
	}
	slices.SortFunc(out, func(a, b store.Usage) int { return strings.Compare(a.AccountID, b.AccountID) })
	return out
}

// testUsageFold: FoldUsage returns each account whose usage changed, with
// its usage, once; then nothing until it changes again.
func testUsageFold(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 2000)
	a := newCopy("c-a", "let-1", "acct-a", store.Sent, at(time.Second))
	b := newCopy("c-b", "let-1", "acct-b", store.Inbox, at(time.Second))
	insertLetterCopies(t, s, l, a, b)
	check(t, "first fold", byAccount(foldAll(t, s)), []store.Usage{
		{AccountID: "acct-a", Used: sizeOf(l, a)},
		{AccountID: "acct-b", Used: sizeOf(l, b)},
	})
	if again := foldAll(t, s); len(again) != 0 {
		t.Errorf("a second fold with nothing changed returned %v", again)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeleteCopy("c-b") })
	check(t, "fold after a delete", byAccount(foldAll(t, s)), []store.Usage{{AccountID: "acct-b", Used: 0}})
	wantUsed(t, s, "after the folds", "acct-a", sizeOf(l, a))
}

// testUsageFoldBatches: with more changed accounts than the limit, each
// FoldUsage returns at most limit of them, and the calls together every one.
func testUsageFoldBatches(t *testing.T, s store.Store) {
	l := quotaLetter("let-1", 100)
	var cs []*store.Copy
	var want []string
	for i := range 7 {
		id := fmt.Sprintf("acct-%d", i)
		cs = append(cs, newCopy("c-"+id, "let-1", id, store.Inbox, at(time.Second)))
		want = append(want, id)
	}
	insertLetterCopies(t, s, l, cs...)
	var seen []string
	for range 20 {
		var us []store.Usage
		update(t, s, func(tx store.Tx) (err error) {
			us, err = tx.FoldUsage(3)
			return err
		})
		if len(us) > 3 {
			t.Errorf("FoldUsage(3) returned %d accounts", len(us))
		}
		if len(us) == 0 {
			break
		}
		for _, u := range us {
			seen = append(seen, u.AccountID)
		}
	}
	slices.Sort(seen)
	check(t, "accounts folded in batches", slices.Compact(seen), want)
}

// testUsageQuotaWarned: an account's own quota and the warned flag are
// kept, apart from its usage; a new quota makes FoldUsage return the
// account again.
func testUsageQuotaWarned(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error { return tx.SetMailboxQuota("acct-new", 250<<20) })
	check(t, "an account with a quota and nothing else", usage(t, s, "acct-new"),
		store.Usage{AccountID: "acct-new", Quota: 250 << 20})
	l := quotaLetter("let-1", 1234)
	c := newCopy("c-1", "let-1", "acct-a", store.Inbox, at(time.Second))
	insertLetterCopies(t, s, l, c)
	foldAll(t, s)
	update(t, s, func(tx store.Tx) error {
		if err := tx.SetUsageWarned("acct-a", true); err != nil {
			return err
		}
		return tx.SetMailboxQuota("acct-a", 500<<20)
	})
	want := store.Usage{AccountID: "acct-a", Used: sizeOf(l, c), Quota: 500 << 20, Warned: true}
	check(t, "after SetUsageWarned and SetMailboxQuota", usage(t, s, "acct-a"), want)
	check(t, "fold after a new quota", foldAll(t, s)["acct-a"], want)
	update(t, s, func(tx store.Tx) error {
		if err := tx.SetUsageWarned("acct-a", false); err != nil {
			return err
		}
		return tx.SetMailboxQuota("acct-a", 0)
	})
	check(t, "back to the default, not warned", usage(t, s, "acct-a"),
		store.Usage{AccountID: "acct-a", Used: sizeOf(l, c)})
	// Flags and quotas are not usage: the copies still count.
	update(t, s, func(tx store.Tx) error {
		return tx.InsertCopy(newCopy("c-2", "let-1", "acct-a", store.Sent, at(time.Second)))
	})
	wantUsed(t, s, "a copy more", "acct-a", 2*sizeOf(l, c))
}

func testUsageReadOnly(t *testing.T, s store.Store) {
	for name, fn := range map[string]func(store.Tx) error{
		"SetMailboxQuota": func(tx store.Tx) error { return tx.SetMailboxQuota("acct-a", 1<<30) },
		"SetUsageWarned":  func(tx store.Tx) error { return tx.SetUsageWarned("acct-a", true) },
		"FoldUsage":       func(tx store.Tx) error { _, err := tx.FoldUsage(10); return err },
	} {
		var werr error
		if err := s.View(t.Context(), func(tx store.Tx) error { werr = fn(tx); return nil }); err == nil && werr == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	check(t, "after the refused writes", usage(t, s, "acct-a"), store.Usage{AccountID: "acct-a"})
}
