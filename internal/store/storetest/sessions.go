// The conformance tests of sessions (store.SessionTx).

package storetest

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

func getSession(t *testing.T, s store.Store, hash string) (*store.Session, error) {
	t.Helper()
	var got *store.Session
	var gerr error
	view(t, s, func(tx store.Tx) error {
		got, gerr = tx.SessionByTokenHash(hash)
		return nil
	})
	return got, gerr
}

func testSessions(t *testing.T, s store.Store) {
	sess := &store.Session{TokenHash: "tok-1", AccountID: "acct-1", Level: account.Normal,
		CreatedAt: t0, LastSeen: at(time.Second), ExpiresAt: at(12 * time.Hour)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-1", "a@example.de-mail.de")); err != nil {
			return err
		}
		return tx.InsertSession(sess)
	})
	got, err := getSession(t, s, sess.TokenHash)
	if err != nil {
		t.Fatalf("SessionByTokenHash: %v", err)
	}
	check(t, "SessionByTokenHash", got, sess)
	view(t, s, func(tx store.Tx) error {
		gs, ga, err := tx.SessionAccount(sess.TokenHash)
		if err != nil {
			t.Errorf("SessionAccount: %v", err)
			return nil
		}
		check(t, "SessionAccount session", gs, sess)
		check(t, "SessionAccount account", ga, newAccount("acct-1", "a@example.de-mail.de"))
		_, _, err = tx.SessionAccount("tok-none")
		wantErr(t, "SessionAccount(unknown)", err, store.ErrNotFound)
		return nil
	})

	err = s.Update(t.Context(), func(tx store.Tx) error {
		dup := *sess
		dup.Level = account.High
		return tx.InsertSession(&dup)
	})
	wantErr(t, "InsertSession(duplicate token hash)", err, store.ErrConflict)

	// Raising the level and touching the session.
	up := *sess
	up.Level, up.LastSeen, up.ExpiresAt = account.High, at(time.Hour), at(13*time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateSession(&up) })
	got, err = getSession(t, s, sess.TokenHash)
	if err != nil {
		t.Fatalf("SessionByTokenHash after update: %v", err)
	}
	check(t, "SessionByTokenHash after UpdateSession", got, &up)

	update(t, s, func(tx store.Tx) error { return tx.DeleteSession(sess.TokenHash) })
	_, err = getSession(t, s, sess.TokenHash)
	wantErr(t, "SessionByTokenHash after DeleteSession", err, store.ErrNotFound)
	_, err = getSession(t, s, "tok-never")
	wantErr(t, "SessionByTokenHash(unknown)", err, store.ErrNotFound)
}

func testDeleteAccountSessions(t *testing.T, s store.Store) {
	var mine, theirs []*store.Session
	update(t, s, func(tx store.Tx) error {
		for _, id := range []string{"acct-1", "acct-2"} {
			if err := tx.InsertAccount(newAccount(id, id+"@example.de-mail.de")); err != nil {
				return err
			}
		}
		for i := range 3 {
			a := &store.Session{TokenHash: fmt.Sprintf("tok-1-%d", i), AccountID: "acct-1", Level: account.Normal,
				CreatedAt: t0, LastSeen: t0, ExpiresAt: at(time.Hour)}
			b := &store.Session{TokenHash: fmt.Sprintf("tok-2-%d", i), AccountID: "acct-2", Level: account.High,
				CreatedAt: t0, LastSeen: t0, ExpiresAt: at(time.Hour)}
			if err := tx.InsertSession(a); err != nil {
				return err
			}
			if err := tx.InsertSession(b); err != nil {
				return err
			}
			mine, theirs = append(mine, a), append(theirs, b)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountSessions("acct-1") })
	for _, sess := range mine {
		_, err := getSession(t, s, sess.TokenHash)
		wantErr(t, "session of acct-1 after DeleteAccountSessions", err, store.ErrNotFound)
	}
	for _, sess := range theirs {
		got, err := getSession(t, s, sess.TokenHash)
		if err != nil {
			t.Errorf("session of acct-2 after DeleteAccountSessions(acct-1): %v", err)
			continue
		}
		check(t, "session of acct-2", got, sess)
	}
	// Deleting what is not there is not an error.
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteAccountSessions("acct-1"); err != nil {
			return err
		}
		return tx.DeleteSession("tok-never")
	})
}

func testAccountSessions(t *testing.T, s store.Store) {
	// Newest first; two created at the same instant in token-hash order. An
	// ended session (expired, not yet cleaned up) is listed too: the caller
	// decides what is still live.
	mk := func(hash, acct string, created time.Duration, level account.Level) *store.Session {
		return &store.Session{TokenHash: hash, AccountID: acct, Level: level, CreatedAt: at(created),
			LastSeen: at(created + time.Minute), ExpiresAt: at(created + 12*time.Hour)}
	}
	oldest := mk("tok-c", "acct-1", 0, account.Normal)
	oldest.ExpiresAt = at(time.Minute)
	twinB, twinA := mk("tok-b", "acct-1", time.Hour, account.High), mk("tok-a", "acct-1", time.Hour, account.Normal)
	newest := mk("tok-d", "acct-1", 2*time.Hour, account.High)
	other := mk("tok-e", "acct-2", 3*time.Hour, account.Normal)
	update(t, s, func(tx store.Tx) error {
		for _, id := range []string{"acct-1", "acct-2", "acct-3"} {
			if err := tx.InsertAccount(newAccount(id, id+"@example.de-mail.de")); err != nil {
				return err
			}
		}
		for _, sess := range []*store.Session{oldest, twinB, newest, other, twinA} {
			if err := tx.InsertSession(sess); err != nil {
				return err
			}
		}
		return nil
	})
	list := func(acct string) []store.Session {
		t.Helper()
		var got []store.Session
		view(t, s, func(tx store.Tx) (err error) {
			got, err = tx.AccountSessions(acct)
			return err
		})
		return got
	}
	check(t, "AccountSessions(acct-1)", list("acct-1"), []store.Session{*newest, *twinA, *twinB, *oldest})
	check(t, "AccountSessions(acct-2)", list("acct-2"), []store.Session{*other})
	if got := list("acct-3"); len(got) != 0 {
		t.Errorf("AccountSessions(acct-3) = %d sessions, want none", len(got))
	}
	if got := list("acct-never"); len(got) != 0 {
		t.Errorf("AccountSessions(acct-never) = %d sessions, want none", len(got))
	}

	// Within an Update the list sees the function's own writes.
	var seen []store.Session
	update(t, s, func(tx store.Tx) (err error) {
		if err := tx.DeleteSession(twinA.TokenHash); err != nil {
			return err
		}
		up := *newest
		up.Level, up.LastSeen = account.Normal, at(5*time.Hour)
		if err := tx.UpdateSession(&up); err != nil {
			return err
		}
		seen, err = tx.AccountSessions("acct-1")
		return err
	})
	up := *newest
	up.Level, up.LastSeen = account.Normal, at(5*time.Hour)
	check(t, "AccountSessions(acct-1) in the Update that changed them", seen, []store.Session{up, *twinB, *oldest})
	check(t, "AccountSessions(acct-1) after the Update", list("acct-1"), []store.Session{up, *twinB, *oldest})
}

func testDeleteExpiredSessions(t *testing.T, s store.Store) {
	// At t0+2h with a 30-minute idle limit: expired, idle, and live sessions.
	now, idleSince := at(2*time.Hour), at(90*time.Minute)
	µs := time.Microsecond
	sessions := map[string]*store.Session{
		"expired":      {ExpiresAt: now.Add(-µs), LastSeen: now},
		"idle":         {ExpiresAt: at(10 * time.Hour), LastSeen: idleSince.Add(-µs)},
		"expired-idle": {ExpiresAt: at(time.Hour), LastSeen: t0},
		"live":         {ExpiresAt: at(10 * time.Hour), LastSeen: at(91 * time.Minute)},
		"live-edge":    {ExpiresAt: now, LastSeen: idleSince}, // ends after this instant
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-1", "a@example.de-mail.de")); err != nil {
			return err
		}
		for name, sess := range sessions {
			sess.TokenHash, sess.AccountID, sess.Level, sess.CreatedAt = "tok-"+name, "acct-1", account.Normal, t0
			if err := tx.InsertSession(sess); err != nil {
				return err
			}
		}
		return nil
	})
	deleted := 0
	for round := 0; ; round++ {
		var n int
		update(t, s, func(tx store.Tx) error {
			var err error
			n, err = tx.DeleteExpiredSessions(now, idleSince, 2)
			return err
		})
		if n > 2 {
			t.Fatalf("round %d deleted %d sessions, more than the limit 2", round, n)
		}
		deleted += n
		if n == 0 || round > 5 {
			break
		}
	}
	if deleted != 3 {
		t.Errorf("deleted %d sessions in all, want 3", deleted)
	}
	for name, sess := range sessions {
		_, err := getSession(t, s, sess.TokenHash)
		if strings.HasPrefix(name, "live") {
			if err != nil {
				t.Errorf("live session %s: %v", name, err)
			}
			continue
		}
		wantErr(t, "ended session "+name, err, store.ErrNotFound)
	}
	var werr error
	_ = s.View(t.Context(), func(tx store.Tx) error {
		_, werr = tx.DeleteExpiredSessions(now, idleSince, 10)
		return nil
	})
	if werr == nil {
		t.Errorf("DeleteExpiredSessions inside View succeeded, want an error")
	}
}
