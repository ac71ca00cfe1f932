package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

var passkeyTests = []test{
	{"RoundTrip", testPasskeyRoundTrip},
	{"Conflict", testPasskeyConflict},
	{"UpdateAndDelete", testPasskeyUpdateDelete},
	{"AccountCounts", testPasskeyAccountCounts},
	{"StateFresh", testPasskeyStateFresh},
	{"WriteFailsInView", testPasskeyReadOnly},
}

// newPasskey is a passkey of accountID with every field set; d orders
// passkeys by creation.
func newPasskey(id, accountID string, d time.Duration) *store.Passkey {
	return &store.Passkey{ID: []byte("cred\x00\xff" + id), AccountID: accountID, RPID: "mail.siegel.test",
		Name: "Laptop " + id, PublicKey: []byte{0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21, 0x58, 0x20, 0xff},
		SignCount: 4_294_967_295, AAGUID: []byte("0123456789abcdef"), Transports: []string{"internal", "hybrid"},
		Flags: 0x5d, CreatedAt: at(d), LastUsed: at(d + time.Hour)}
}

// insertPasskeyAccounts inserts the accounts the passkeys belong to.
func insertPasskeyAccounts(t *testing.T, s store.Store, ids ...string) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, id := range ids {
			if err := tx.InsertAccount(newAccount(id, id+"@siegel.test")); err != nil {
				return err
			}
		}
		return nil
	})
}

// testPasskeyRoundTrip: a passkey comes back as stored, by its credential
// id and among its account's, oldest first; one without transports, last
// use or AAGUID too.
func testPasskeyRoundTrip(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	later := newPasskey("b", "acct-1", time.Minute)
	first := newPasskey("a", "acct-1", 0)
	bare := newPasskey("c", "acct-1", 2*time.Minute)
	bare.Transports, bare.AAGUID, bare.LastUsed, bare.SignCount, bare.Flags = nil, nil, time.Time{}, 0, 0
	other := newPasskey("d", "acct-2", -time.Hour)
	update(t, s, func(tx store.Tx) error {
		for _, p := range []*store.Passkey{later, first, bare, other} {
			if err := tx.InsertPasskey(p); err != nil {
				return fmt.Errorf("InsertPasskey(%s): %w", p.Name, err)
			}
		}
		return nil
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.PasskeyByID(later.ID)
		if err != nil {
			return err
		}
		check(t, "PasskeyByID", got, later)
		got, err = tx.PasskeyByID(bare.ID)
		if err != nil {
			return err
		}
		if len(got.Transports) != 0 {
			t.Errorf("PasskeyByID(no transports).Transports = %q", got.Transports)
		}
		got.Transports = nil
		check(t, "PasskeyByID(bare)", got, bare)
		list, err := tx.AccountPasskeys("acct-1")
		if err != nil {
			return err
		}
		if len(list) == 3 {
			list[2].Transports = nil
		}
		check(t, "AccountPasskeys", list, []store.Passkey{*first, *later, *bare})
		_, err = tx.PasskeyByID([]byte("cred\x00\xffa-not"))
		wantErr(t, "PasskeyByID(unknown)", err, store.ErrNotFound)
		none, err := tx.AccountPasskeys("acct-9")
		if len(none) != 0 {
			t.Errorf("AccountPasskeys(account without) = %d passkeys", len(none))
		}
		return err
	})
}

// testPasskeyConflict: a credential id is registered once, whichever
// account tries again; the failed insert spoils nothing else.
func testPasskeyConflict(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	p := newPasskey("a", "acct-1", 0)
	update(t, s, func(tx store.Tx) error { return tx.InsertPasskey(p) })
	for _, acct := range []string{"acct-1", "acct-2"} {
		again := newPasskey("a", acct, time.Minute)
		update(t, s, func(tx store.Tx) error {
			wantErr(t, "InsertPasskey(same id, "+acct+")", tx.InsertPasskey(again), store.ErrConflict)
			return tx.InsertPasskey(newPasskey("e-"+acct, acct, time.Minute))
		})
	}
	view(t, s, func(tx store.Tx) error {
		got, err := tx.PasskeyByID(p.ID)
		if err == nil {
			check(t, "the first passkey after the conflicts", got, p)
		}
		for _, acct := range []string{"acct-1", "acct-2"} {
			if _, err := tx.PasskeyByID(newPasskey("e-"+acct, acct, 0).ID); err != nil {
				t.Errorf("the insert after the conflict (%s): %v", acct, err)
			}
		}
		return err
	})
}

// testPasskeyUpdateDelete: UpdatePasskey changes the use and the name only;
// DeletePasskey deletes the account's own passkey only; a passkey that is
// gone is no error.
func testPasskeyUpdateDelete(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	a, b, other := newPasskey("a", "acct-1", 0), newPasskey("b", "acct-1", time.Minute), newPasskey("c", "acct-2", 0)
	update(t, s, func(tx store.Tx) error {
		for _, p := range []*store.Passkey{a, b, other} {
			if err := tx.InsertPasskey(p); err != nil {
				return err
			}
		}
		return nil
	})
	used := *a
	used.SignCount, used.Flags, used.LastUsed, used.Name = 7, 0x05, at(3*time.Hour), "Telefon"
	// What UpdatePasskey does not write.
	tried := used
	tried.AccountID, tried.RPID, tried.PublicKey, tried.AAGUID = "acct-2", "evil.test", []byte{1}, []byte{2}
	tried.Transports, tried.CreatedAt = []string{"usb"}, at(time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdatePasskey(&tried) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.PasskeyByID(a.ID)
		if err == nil {
			check(t, "PasskeyByID after UpdatePasskey", got, &used)
		}
		return err
	})

	update(t, s, func(tx store.Tx) error {
		// Another account's: left alone.
		if err := tx.DeletePasskey("acct-2", a.ID); err != nil {
			return err
		}
		if err := tx.DeletePasskey("acct-1", b.ID); err != nil {
			return err
		}
		// Gone already, and never there: no error.
		if err := tx.DeletePasskey("acct-1", b.ID); err != nil {
			return err
		}
		return tx.UpdatePasskey(b)
	})
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.PasskeyByID(a.ID); err != nil {
			t.Errorf("DeletePasskey of another account deleted it: %v", err)
		}
		_, err := tx.PasskeyByID(b.ID)
		wantErr(t, "PasskeyByID(deleted)", err, store.ErrNotFound)
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountPasskeys("acct-1") })
	view(t, s, func(tx store.Tx) error {
		list, err := tx.AccountPasskeys("acct-1")
		if len(list) != 0 {
			t.Errorf("after DeleteAccountPasskeys, %d passkeys are left", len(list))
		}
		if _, err := tx.PasskeyByID(other.ID); err != nil {
			t.Errorf("DeleteAccountPasskeys(acct-1) deleted acct-2's: %v", err)
		}
		return err
	})
}

// testPasskeyAccountCounts: every read of an account counts its passkeys;
// writing the account leaves them alone.
func testPasskeyAccountCounts(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	sess := &store.Session{TokenHash: "tok-passkeys", AccountID: "acct-1",
		Level: account.Normal, CreatedAt: t0, LastSeen: t0, ExpiresAt: at(time.Hour)}
	update(t, s, func(tx store.Tx) error {
		for _, p := range []*store.Passkey{newPasskey("a", "acct-1", 0), newPasskey("b", "acct-1", time.Second)} {
			if err := tx.InsertPasskey(p); err != nil {
				return err
			}
		}
		return tx.InsertSession(sess)
	})
	counts := func(what string, want1 int) {
		t.Helper()
		view(t, s, func(tx store.Tx) error {
			a, err := tx.AccountByID("acct-1")
			if err != nil {
				return err
			}
			b, err := tx.AccountByAddress("acct-1@siegel.test")
			if err != nil {
				return err
			}
			_, c, err := tx.SessionAccount(sess.TokenHash)
			if err != nil {
				return err
			}
			list, err := tx.ListAccounts("", "", 10)
			if err != nil {
				return err
			}
			if len(list) != 2 {
				return fmt.Errorf("ListAccounts listed %d accounts", len(list))
			}
			for _, got := range []struct {
				how  string
				n, w int
			}{{"AccountByID", a.Passkeys, want1}, {"AccountByAddress", b.Passkeys, want1},
				{"SessionAccount", c.Passkeys, want1}, {"ListAccounts", list[0].Passkeys, want1},
				{"ListAccounts (acct-2)", list[1].Passkeys, 0}} {
				if got.n != got.w {
					t.Errorf("%s: %s counts %d passkeys, want %d", what, got.how, got.n, got.w)
				}
			}
			if a.SecondFactor() != (want1 > 0) {
				t.Errorf("%s: SecondFactor() = %v with %d passkeys and no TOTP", what, a.SecondFactor(), want1)
			}
			return nil
		})
	}
	counts("two passkeys", 2)
	// An account written with a stale count keeps its passkeys.
	update(t, s, func(tx store.Tx) error {
		a, err := tx.AccountByID("acct-1")
		if err != nil {
			return err
		}
		a.Passkeys, a.DisplayName = 0, "Erika M."
		return tx.UpdateAccount(a)
	})
	counts("after UpdateAccount", 2)
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountPasskeys("acct-1") })
	counts("none", 0)
}

// testPasskeyStateFresh: AccountState follows the account's passkeys, in
// the Update that wrote them and in every later one, whatever a store
// caches.
func testPasskeyStateFresh(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-p")
	const addr = "acct-p@siegel.test"
	state := func() store.AccountState {
		t.Helper()
		var st store.AccountState
		update(t, s, func(tx store.Tx) error {
			got, err := tx.AccountState("", addr)
			if err == nil {
				st = *got
			}
			return err
		})
		return st
	}
	if st := state(); st.HasPasskey || st.SecondFactor() {
		t.Fatalf("AccountState of an account without passkeys: %+v", st)
	}
	p := newPasskey("a", "acct-p", 0)
	update(t, s, func(tx store.Tx) error {
		if _, err := tx.AccountState("acct-p", ""); err != nil {
			return err
		}
		if err := tx.InsertPasskey(p); err != nil {
			return err
		}
		got, err := tx.AccountState("", addr)
		if err == nil && !got.HasPasskey {
			t.Error("AccountState in the Update that added a passkey: HasPasskey false")
		}
		return err
	})
	if st := state(); !st.HasPasskey || !st.SecondFactor() {
		t.Fatalf("AccountState after adding a passkey: %+v", st)
	}
	update(t, s, func(tx store.Tx) error { return tx.DeletePasskey("acct-p", p.ID) })
	if st := state(); st.HasPasskey {
		t.Fatalf("AccountState after deleting the passkey: %+v", st)
	}
	update(t, s, func(tx store.Tx) error { return tx.InsertPasskey(p) })
	state()
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountPasskeys("acct-p") })
	if st := state(); st.HasPasskey {
		t.Fatalf("AccountState after deleting the account's passkeys: %+v", st)
	}
	// A rolled-back insert leaves none.
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertPasskey(p); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "failing Update", err, errTest)
	if st := state(); st.HasPasskey {
		t.Fatalf("a rolled-back passkey shows: %+v", st)
	}
}

// testPasskeyReadOnly: every passkey write fails inside View.
func testPasskeyReadOnly(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1")
	p := newPasskey("a", "acct-1", 0)
	update(t, s, func(tx store.Tx) error { return tx.InsertPasskey(p) })
	for name, fn := range map[string]func(store.Tx) error{
		"InsertPasskey":         func(tx store.Tx) error { return tx.InsertPasskey(newPasskey("b", "acct-1", 0)) },
		"UpdatePasskey":         func(tx store.Tx) error { return tx.UpdatePasskey(p) },
		"DeletePasskey":         func(tx store.Tx) error { return tx.DeletePasskey("acct-1", p.ID) },
		"DeleteAccountPasskeys": func(tx store.Tx) error { return tx.DeleteAccountPasskeys("acct-1") },
	} {
		var werr error
		if err := s.View(t.Context(), func(tx store.Tx) error { werr = fn(tx); return nil }); err == nil && werr == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	view(t, s, func(tx store.Tx) error {
		list, err := tx.AccountPasskeys("acct-1")
		if len(list) != 1 {
			t.Errorf("after the refused writes, %d passkeys", len(list))
		}
		return err
	})
}
