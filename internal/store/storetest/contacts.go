package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// contactTests hold the address books (store/contact.go; TR PVD-FU
// §3.1.3.5) to their contract.
var contactTests = []test{
	{"RoundTrip", testContactRoundTrip},
	{"OrderAndPaging", testContactPaging},
	{"Conflict", testContactConflict},
	{"UpdateAndDelete", testContactUpdateDelete},
	{"WriteFailsInView", testContactReadOnly},
}

// newContact is a contact of accountID with every field set.
func newContact(id, accountID, addr, name string) *store.Contact {
	return &store.Contact{ID: id, AccountID: accountID, Address: addr, Name: name,
		Note: "Akte 7/25 – „wichtig“\nzweite Zeile", CreatedAt: at(time.Minute), UpdatedAt: at(time.Hour)}
}

// insertContacts inserts the contacts in one Update.
func insertContacts(t *testing.T, s store.Store, cs ...*store.Contact) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, c := range cs {
			if err := tx.InsertContact(c); err != nil {
				return fmt.Errorf("InsertContact(%s): %w", c.ID, err)
			}
		}
		return nil
	})
}

// testContactRoundTrip: a contact comes back as stored, by id and by
// address, to its own account only; one without name or note too.
func testContactRoundTrip(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	c := newContact("c-1", "acct-1", "max.muster@siegel.test", "Max Muster")
	bare := newContact("c-2", "acct-1", "pn_kanzlei@other.test", "")
	bare.Note, bare.UpdatedAt = "", bare.CreatedAt
	insertContacts(t, s, c, bare)
	view(t, s, func(tx store.Tx) error {
		for _, want := range []*store.Contact{c, bare} {
			got, err := tx.ContactByID("acct-1", want.ID)
			if err != nil {
				return err
			}
			check(t, "ContactByID", got, want)
			got, err = tx.ContactByAddress("acct-1", want.Address)
			if err != nil {
				return err
			}
			check(t, "ContactByAddress", got, want)
		}
		_, err := tx.ContactByID("acct-2", c.ID)
		wantErr(t, "ContactByID(another account's)", err, store.ErrNotFound)
		_, err = tx.ContactByAddress("acct-2", c.Address)
		wantErr(t, "ContactByAddress(another account's)", err, store.ErrNotFound)
		_, err = tx.ContactByID("acct-1", "c-9")
		wantErr(t, "ContactByID(unknown)", err, store.ErrNotFound)
		n, err := tx.CountContacts("acct-1")
		if err != nil || n != 2 {
			t.Errorf("CountContacts = %d, %v; want 2", n, err)
		}
		none, err := tx.AccountContacts("acct-2", nil, 10)
		if len(none) != 0 {
			t.Errorf("AccountContacts(account without) = %d contacts", len(none))
		}
		return err
	})
}

// testContactPaging: contacts list by name, then address, bytewise; pages
// follow each other without gap or overlap, and another account's never
// show.
func testContactPaging(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	// Inserted out of order; the expected order is by (name, address).
	cs := []*store.Contact{
		newContact("c-5", "acct-1", "z@siegel.test", "Berta"),
		newContact("c-1", "acct-1", "b@siegel.test", ""),
		newContact("c-3", "acct-1", "c@siegel.test", "Anna"),
		newContact("c-2", "acct-1", "a@siegel.test", "Anna"),
		newContact("c-6", "acct-1", "m@siegel.test", "Ärzte"), // UTF-8 after ASCII
		newContact("c-4", "acct-1", "a@other.test", "Anna"),
		newContact("c-7", "acct-2", "a@siegel.test", "Aaron"),
	}
	insertContacts(t, s, cs...)
	want := []string{"c-1", "c-4", "c-2", "c-3", "c-5", "c-6"}
	var got []string
	var after *store.ContactCursor
	for page := 0; page < 10; page++ {
		var list []store.Contact
		view(t, s, func(tx store.Tx) (err error) {
			list, err = tx.AccountContacts("acct-1", after, 4)
			return err
		})
		if len(list) > 4 {
			t.Fatalf("a page of 4 has %d", len(list))
		}
		for _, c := range list {
			got = append(got, c.ID)
		}
		if len(list) < 4 {
			break
		}
		last := list[len(list)-1]
		after = &store.ContactCursor{Name: last.Name, Address: last.Address}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("AccountContacts in pages of 4 = %v, want %v", got, want)
	}
}

// testContactConflict: an address is in an account's book once (but in
// every account's once), an id is used once; the failed insert spoils
// nothing else.
func testContactConflict(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	c := newContact("c-1", "acct-1", "max@siegel.test", "Max")
	insertContacts(t, s, c)
	// One refused write per function: on PostgreSQL, a function that
	// carries on after a failed statement runs again (package store).
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "InsertContact(same address)", tx.InsertContact(newContact("c-2", "acct-1", c.Address, "Zweiter")), store.ErrConflict)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		wantErr(t, "InsertContact(same id)", tx.InsertContact(newContact("c-1", "acct-2", "x@siegel.test", "")), store.ErrConflict)
		return tx.InsertContact(newContact("c-3", "acct-2", c.Address, "Max bei acct-2"))
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.ContactByID("acct-1", "c-1")
		if err == nil {
			check(t, "the first contact after the conflicts", got, c)
		}
		if _, err := tx.ContactByID("acct-2", "c-3"); err != nil {
			t.Errorf("the insert after the conflict: %v", err)
		}
		return err
	})
}

// testContactUpdateDelete: UpdateContact changes address, name, note and
// the update time of the account's own contact only, and refuses an
// address the account has already; deletions touch their account only.
func testContactUpdateDelete(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	a := newContact("c-1", "acct-1", "a@siegel.test", "A")
	b := newContact("c-2", "acct-1", "b@siegel.test", "B")
	other := newContact("c-3", "acct-2", "a@siegel.test", "A")
	insertContacts(t, s, a, b, other)
	changed := *a
	changed.Address, changed.Name, changed.Note, changed.UpdatedAt = "neu@siegel.test", "Neu", "", at(2*time.Hour)
	tried := changed
	tried.CreatedAt = at(5 * time.Hour) // not written
	update(t, s, func(tx store.Tx) error { return tx.UpdateContact(&tried) })
	// Another account's contact with the same id: not written.
	update(t, s, func(tx store.Tx) error {
		evil := changed
		evil.AccountID, evil.Name = "acct-2", "Evil"
		return tx.UpdateContact(&evil)
	})
	view(t, s, func(tx store.Tx) error {
		got, err := tx.ContactByID("acct-1", a.ID)
		if err == nil {
			check(t, "ContactByID after UpdateContact", got, &changed)
		}
		return err
	})
	update(t, s, func(tx store.Tx) error {
		dup := *b
		dup.Address = changed.Address
		wantErr(t, "UpdateContact(to an address taken)", tx.UpdateContact(&dup), store.ErrConflict)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteContact("acct-2", a.ID); err != nil { // another account's: left alone
			return err
		}
		if err := tx.DeleteContact("acct-1", b.ID); err != nil {
			return err
		}
		return tx.DeleteContact("acct-1", b.ID) // gone: no error
	})
	view(t, s, func(tx store.Tx) error {
		if _, err := tx.ContactByID("acct-1", a.ID); err != nil {
			t.Errorf("DeleteContact of another account deleted it: %v", err)
		}
		got, err := tx.ContactByID("acct-1", b.ID)
		wantErr(t, "ContactByID(deleted)", err, store.ErrNotFound)
		if err == nil {
			check(t, "b", got, b)
		}
		return nil
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountContacts("acct-1") })
	view(t, s, func(tx store.Tx) error {
		n, err := tx.CountContacts("acct-1")
		if n != 0 {
			t.Errorf("after DeleteAccountContacts, %d contacts are left", n)
		}
		if _, err := tx.ContactByID("acct-2", other.ID); err != nil {
			t.Errorf("DeleteAccountContacts(acct-1) deleted acct-2's: %v", err)
		}
		return err
	})
}

// testContactReadOnly: every write fails in View and changes nothing.
func testContactReadOnly(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1")
	c := newContact("c-1", "acct-1", "a@siegel.test", "A")
	insertContacts(t, s, c)
	for name, fn := range map[string]func(store.Tx) error{
		"InsertContact":         func(tx store.Tx) error { return tx.InsertContact(newContact("c-2", "acct-1", "b@siegel.test", "")) },
		"UpdateContact":         func(tx store.Tx) error { return tx.UpdateContact(c) },
		"DeleteContact":         func(tx store.Tx) error { return tx.DeleteContact("acct-1", c.ID) },
		"DeleteAccountContacts": func(tx store.Tx) error { return tx.DeleteAccountContacts("acct-1") },
	} {
		var werr error
		if err := s.View(t.Context(), func(tx store.Tx) error { werr = fn(tx); return nil }); err == nil && werr == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	view(t, s, func(tx store.Tx) error {
		n, err := tx.CountContacts("acct-1")
		if n != 1 {
			t.Errorf("after the refused writes, %d contacts", n)
		}
		return err
	})
}
