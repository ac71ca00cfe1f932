package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
)

// limitPages makes the database full for the store's writer: neither of
// its two connections may grow the file past the pages it has now, as on a
// full disk (SQLITE_FULL).
func limitPages(t *testing.T, s *Store) {
	t.Helper()
	ctx := t.Context()
	c1, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c2, err := s.w.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var pages int64
	if err := c1.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*sql.Conn{c1, c2} {
		if _, err := c.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages)); err != nil {
			t.Fatal(err)
		}
	}
	c1.Close()
	c2.Close()
}

// TestFullDiskFailsTheWholeGroup: when a write finds the database full
// (SQLITE_FULL), SQLite may roll back the whole transaction, not only the
// statement. The functions after it in the group must then not run
// outside any transaction, each committed on its own, while their callers
// are told that the group failed.
func TestFullDiskFailsTheWholeGroup(t *testing.T) {
	t.Parallel()
	s, _ := openTemp(t, Options{})
	ctx := t.Context()
	if err := s.Update(ctx, insert("acct-small")); err != nil {
		t.Fatal(err)
	}
	limitPages(t, s)

	release, blockedDone := make(chan struct{}), make(chan error, 1)
	running := make(chan struct{})
	go func() {
		blockedDone <- s.Update(context.Background(), func(store.Tx) error {
			close(running)
			<-release
			return nil
		})
	}()
	<-running
	// One group: a write that needs new pages, then one that does not.
	big, small := make(chan error, 1), make(chan error, 1)
	go func() {
		big <- s.Update(context.Background(), func(tx store.Tx) error {
			a := acct("acct-big")
			a.Holder = make([]byte, 1<<20)
			return tx.InsertAccount(a)
		})
	}()
	waitQueued(t, s, 1)
	go func() {
		small <- s.Update(context.Background(), func(tx store.Tx) error {
			return tx.(*txn).exec(`UPDATE accounts SET display_name = 'changed' WHERE id = 'acct-small'`)
		})
	}()
	waitQueued(t, s, 2)
	close(release)
	if err := <-blockedDone; err != nil {
		t.Fatal(err)
	}
	errBig, errSmall := <-big, <-small
	t.Logf("the big write: %v; the small one: %v", errBig, errSmall)
	if !errors.Is(errBig, store.ErrFull) {
		t.Errorf("the write that found the database full: %v, want store.ErrFull", errBig)
	}
	var name string
	err := s.View(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID("acct-small")
		if err == nil {
			name = a.DisplayName
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	switch changed := name == "changed"; {
	case errSmall != nil && changed:
		t.Errorf("the small write was told it failed (%v), but it was committed", errSmall)
	case errSmall == nil && !changed:
		t.Errorf("the small write was told it succeeded, but it was not committed")
	}
}
