// The conformance tests of events, bodies, pending pickups, and many rows at once.

package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

func testEvents(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	other := newLetter("let-2", "msg-2", "acct-1")
	// Inserted out of time order; ids out of time order too.
	evs := []*store.Event{
		{ID: "ev-1", LetterID: l.ID, CopyID: "copy-b", AccountID: "acct-3", Kind: store.EventPickedUp, At: at(48 * time.Hour), Level: account.High},
		{ID: "ev-2", LetterID: l.ID, CopyID: "copy-s", AccountID: "acct-1", Kind: store.EventAccepted, At: t0, Level: account.Normal},
		{ID: "ev-3", LetterID: l.ID, CopyID: "copy-b", AccountID: "acct-3", Kind: store.EventStored, At: at(time.Microsecond)},
		{ID: "ev-0", LetterID: l.ID, CopyID: "copy-a", AccountID: "acct-2", Kind: store.EventTrashed, At: at(72 * time.Hour), Level: account.Normal},
		{ID: "ev-4", LetterID: l.ID, AccountID: "acct-2", Kind: store.EventDeletedFinal, At: at(96 * time.Hour), Level: account.High},
		{ID: "ev-5", LetterID: l.ID, CopyID: "copy-a", AccountID: "acct-2", Kind: store.EventStored, At: at(2 * time.Microsecond)},
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertLetter(other); err != nil {
			return err
		}
		for _, e := range evs[:3] {
			if err := tx.InsertEvent(e); err != nil {
				return err
			}
		}
		return tx.InsertEvent(&store.Event{ID: "ev-other", LetterID: other.ID, AccountID: "acct-1",
			Kind: store.EventAccepted, At: at(time.Minute), Level: account.Normal})
	})
	for _, e := range evs[3:] {
		update(t, s, func(tx store.Tx) error { return tx.InsertEvent(e) })
	}
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertEvent(&store.Event{ID: "ev-1", LetterID: l.ID, AccountID: "acct-9", Kind: store.EventStored, At: t0})
	})
	wantErr(t, "InsertEvent(duplicate id)", err, store.ErrConflict)

	want := slices.Clone(evs)
	slices.SortStableFunc(want, func(a, b *store.Event) int { return a.At.Compare(b.At) })
	var got []store.Event
	view(t, s, func(tx store.Tx) (err error) {
		got, err = tx.Events(l.ID)
		return err
	})
	var wantV []store.Event
	for _, e := range want {
		wantV = append(wantV, *e)
	}
	check(t, "Events", got, wantV)

	view(t, s, func(tx store.Tx) (err error) {
		got, err = tx.Events("let-nope")
		return err
	})
	if len(got) != 0 {
		t.Errorf("Events(unknown letter) = %v, want none", got)
	}
}

func testBodies(t *testing.T, s store.Store) {
	small := []byte("sealed: nonce, ciphertext, tag")
	large := make([]byte, 256<<10)
	for i := range large {
		large[i] = byte(i * 7)
	}
	l := newLetter("let-1", "msg-1", "acct-1")
	l.BodyInline, l.BodyBlob, l.BodySealed = true, "body-1", small
	big := newLetter("let-2", "msg-2", "acct-1")
	big.BodyInline, big.BodyBlob, big.BodySealed = true, "body-2", large
	update(t, s, func(tx store.Tx) error {
		// As the accept does: the body in the same row and commit as the letter.
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		got, err := tx.Body(l.ID)
		if err != nil {
			return fmt.Errorf("body inside the Update that put it: %w", err)
		}
		if string(got) != string(small) {
			return fmt.Errorf("body inside the Update = %q, want %q", got, small)
		}
		return tx.InsertLetter(big)
	})
	body := func(id string) ([]byte, error) {
		t.Helper()
		var b []byte
		var berr error
		view(t, s, func(tx store.Tx) error {
			b, berr = tx.Body(id)
			return nil
		})
		return b, berr
	}
	for id, want := range map[string][]byte{l.ID: small, big.ID: large} {
		got, err := body(id)
		if err != nil {
			t.Errorf("Body(%s): %v", id, err)
			continue
		}
		check(t, "Body("+id+")", got, want)
	}
	got, err := getLetter(t, s, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Scans leave the sealed body out: it is read with Body.
	want := *l
	want.BodySealed = nil
	check(t, "letter with an inline body", got, &want)

	// A letter whose body is in the blob store has none here.
	ext := newLetter("let-3", "msg-3", "acct-1")
	update(t, s, func(tx store.Tx) error { return tx.InsertLetter(ext) })
	_, err = body(ext.ID)
	wantErr(t, "Body(letter with a blob-store body)", err, store.ErrNotFound)
	_, err = body("let-nope")
	wantErr(t, "Body(unknown)", err, store.ErrNotFound)

	// A body inserted by a failing Update is not kept.
	failed := newLetter("let-4", "msg-4", "acct-1")
	failed.BodyInline, failed.BodyBlob, failed.BodySealed = true, "body-4", small
	err = s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertLetter(failed); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "Update inserting a letter, then failing", err, errTest)
	_, err = body(failed.ID)
	wantErr(t, "Body(put by a failed Update)", err, store.ErrNotFound)
}

func testPendingPickups(t *testing.T, s store.Store) {
	pickup := newLetter("let-p", "msg-p", "acct-city")
	pickup.PickupConfirmation, pickup.Personal = true, true
	plain := newLetter("let-n", "msg-n", "acct-city")
	plain.PickupConfirmation = false
	sent := newCopy("copy-sent", pickup.ID, "acct-city", store.Sent, at(0))
	sent.Role = "sender"
	mine := newCopy("copy-mine", pickup.ID, "acct-r", store.Inbox, at(time.Second))
	other := newCopy("copy-other", pickup.ID, "acct-x", store.Inbox, at(time.Second))
	mine.AwaitsPickup, other.AwaitsPickup = true, true
	notPickup := newCopy("copy-plain", plain.ID, "acct-r", store.Inbox, at(time.Second))
	update(t, s, func(tx store.Tx) error {
		for _, l := range []*store.Letter{pickup, plain} {
			if err := tx.InsertLetter(l); err != nil {
				return err
			}
		}
		for _, c := range []*store.Copy{sent, mine, other, notPickup} {
			if err := tx.InsertCopy(c); err != nil {
				return err
			}
		}
		return nil
	})
	pending := func(acct string) []string {
		t.Helper()
		var ids []string
		view(t, s, func(tx store.Tx) error {
			cs, err := tx.PendingPickups(acct)
			for _, c := range cs {
				if c.Letter == nil || c.Letter.ID != c.LetterID {
					t.Errorf("PendingPickups(%s): copy %s without its letter", acct, c.ID)
				}
				ids = append(ids, c.ID)
			}
			return err
		})
		return ids
	}
	if got := pending("acct-r"); len(got) != 1 || got[0] != "copy-mine" {
		t.Fatalf("PendingPickups(acct-r) = %v, want [copy-mine]", got)
	}
	if got := pending("acct-city"); len(got) != 0 {
		t.Fatalf("the sender's own copy is pending pickup: %v", got)
	}
	update(t, s, func(tx store.Tx) error {
		mine.PickedUp = at(time.Hour)
		return tx.UpdateCopy(mine)
	})
	if got := pending("acct-r"); len(got) != 0 {
		t.Fatalf("picked-up copy still pending: %v", got)
	}
	if got := pending("acct-x"); len(got) != 1 {
		t.Fatalf("another recipient's copy: %v", got)
	}
}

// testManyAtOnce inserts more copies and events in one call than one statement
// may carry.
func testManyAtOnce(t *testing.T, s store.Store) {
	l := newLetter("let-m", "msg-m", "acct-1")
	var cs []*store.Copy
	var es []*store.Event
	for i := range 37 {
		cs = append(cs, newCopy(fmt.Sprintf("copy-%02d", i), l.ID, fmt.Sprintf("acct-%02d", i), store.Inbox, at(time.Second)))
		es = append(es, &store.Event{ID: fmt.Sprintf("ev-%02d", i), LetterID: l.ID, CopyID: cs[i].ID,
			AccountID: cs[i].AccountID, Kind: store.EventStored, At: at(time.Duration(i) * time.Millisecond)})
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertCopy(cs...); err != nil {
			return err
		}
		return tx.InsertEvent(es...)
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.CopiesOfLetter(l.ID)
		if err != nil || len(got) != 37 {
			t.Errorf("CopiesOfLetter: %d copies, %v; want 37", len(got), err)
		}
		ev, err := tx.Events(l.ID)
		if err != nil || len(ev) != 37 || ev[36].ID != "ev-36" {
			t.Errorf("Events: %d, %v; want 37 in order", len(ev), err)
		}
		return nil
	})
	// One bad row fails the whole call.
	dup := []*store.Copy{newCopy("copy-new", l.ID, "acct-x", store.Inbox, at(0)), cs[3]}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertCopy(dup...) })
	wantErr(t, "InsertCopy with a duplicate among new ones", err, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.CopyByID("copy-new"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("a failed multi-row insert left copy-new behind: %v", err)
		}
		return nil
	})
}
