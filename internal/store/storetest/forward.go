package storetest

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// forwardTests hold automatic forwarding and forwarding orders
// (store/forward.go; TR PVD-FU §3.1.3.2, §3.1.3.3) to their contract.
var forwardTests = []test{
	{"SetReplaceDelete", testForwardingSet},
	{"OrderRoundTrip", testForwardingOrder},
	{"WriteFailsInView", testForwardReadOnly},
}

// testForwardingSet: a setting comes back as stored, to its own account
// only; a second replaces the first; a deleted one is gone, and deleting
// none is no error.
func testForwardingSet(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	f := &store.Forwarding{AccountID: "acct-1", Target: "max.muster@other.test", ExcludePersonal: true,
		CreatedAt: at(time.Minute), UpdatedAt: at(time.Minute)}
	update(t, s, func(tx store.Tx) error { return tx.SetForwarding(f) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Forwarding("acct-1")
		if err != nil {
			return err
		}
		check(t, "Forwarding", got, f)
		_, err = tx.Forwarding("acct-2")
		wantErr(t, "Forwarding of an account without one", err, store.ErrNotFound)
		return nil
	})
	g := &store.Forwarding{AccountID: "acct-1", Target: "erika@siegel.test", CreatedAt: at(time.Hour), UpdatedAt: at(2 * time.Hour)}
	update(t, s, func(tx store.Tx) error { return tx.SetForwarding(g) })
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Forwarding("acct-1")
		if err != nil {
			return err
		}
		check(t, "Forwarding replaced", got, g)
		return nil
	})
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteForwarding("acct-1"); err != nil {
			return err
		}
		return tx.DeleteForwarding("acct-2")
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.Forwarding("acct-1")
		wantErr(t, "Forwarding after DeleteForwarding", err, store.ErrNotFound)
		return nil
	})
}

// testForwardingOrder: an order comes back as stored; a second for the
// same account is a conflict and changes nothing.
func testForwardingOrder(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	o := &store.ForwardingOrder{AccountID: "acct-1", Target: "acct-2@siegel.test", CreatedAt: at(0), Until: at(183 * 24 * time.Hour)}
	update(t, s, func(tx store.Tx) error { return tx.InsertForwardingOrder(o) })
	var dup error
	if err := s.Update(t.Context(), func(tx store.Tx) error {
		dup = tx.InsertForwardingOrder(&store.ForwardingOrder{AccountID: "acct-1", Target: "x@siegel.test",
			CreatedAt: at(time.Hour), Until: at(2 * time.Hour)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	wantErr(t, "a second InsertForwardingOrder", dup, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.ForwardingOrder("acct-1")
		if err != nil {
			return err
		}
		check(t, "ForwardingOrder", got, o)
		_, err = tx.ForwardingOrder("acct-2")
		wantErr(t, "ForwardingOrder of an account without one", err, store.ErrNotFound)
		return nil
	})
}

// testForwardReadOnly: every write fails in View and changes nothing.
func testForwardReadOnly(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1")
	f := &store.Forwarding{AccountID: "acct-1", Target: "a@siegel.test", CreatedAt: at(0), UpdatedAt: at(0)}
	update(t, s, func(tx store.Tx) error { return tx.SetForwarding(f) })
	for name, fn := range map[string]func(store.Tx) error{
		"SetForwarding": func(tx store.Tx) error {
			return tx.SetForwarding(&store.Forwarding{AccountID: "acct-1", Target: "b@siegel.test"})
		},
		"DeleteForwarding": func(tx store.Tx) error { return tx.DeleteForwarding("acct-1") },
		"InsertForwardingOrder": func(tx store.Tx) error {
			return tx.InsertForwardingOrder(&store.ForwardingOrder{AccountID: "acct-1", Target: "b@siegel.test"})
		},
	} {
		var werr error
		if err := s.View(t.Context(), func(tx store.Tx) error { werr = fn(tx); return nil }); err == nil && werr == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	view(t, s, func(tx store.Tx) error {
		got, err := tx.Forwarding("acct-1")
		if err != nil {
			return err
		}
		check(t, "Forwarding after the refused writes", got, f)
		_, err = tx.ForwardingOrder("acct-1")
		wantErr(t, "ForwardingOrder after the refused insert", err, store.ErrNotFound)
		return nil
	})
}
