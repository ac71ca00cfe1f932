package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

var accountTests = []test{
	{"RoundTrip", testAccountRoundTrip},
	{"Update", testAccountUpdate},
	{"Conflict", testAccountConflict},
	{"NotFound", testAccountNotFound},
	{"List", testListAccounts},
	{"AddressTaken", testAddressTaken},
	{"State", testAccountState},
	{"StateFresh", testAccountStateFresh},
}

var historyTests = []test{
	{"AppendAndRead", testHistory},
	{"DuplicateSeq", testHistoryDuplicate},
	{"Empty", testHistoryEmpty},
}

var usageTests = []test{
	{"Accumulates", testDailyUsage},
}

var officerTests = []test{
	{"RoundTrip", testOfficers},
	{"Conflict", testOfficerConflict},
}

var sessionTests = []test{
	{"Lifecycle", testSessions},
	{"DeleteAccountSessions", testDeleteAccountSessions},
	{"AccountSessions", testAccountSessions},
	{"DeleteExpiredSessions", testDeleteExpiredSessions},
}

// getAccount reads an account by id and by address in a View and checks that
// both give want.
func getAccount(t *testing.T, s store.Store, want *store.Account) {
	t.Helper()
	var byID, byAddr *store.Account
	view(t, s, func(tx store.Tx) (err error) {
		if byID, err = tx.AccountByID(want.ID); err != nil {
			return fmt.Errorf("AccountByID(%s): %w", want.ID, err)
		}
		if byAddr, err = tx.AccountByAddress(want.Address); err != nil {
			return fmt.Errorf("AccountByAddress(%s): %w", want.Address, err)
		}
		return nil
	})
	check(t, "AccountByID("+want.ID+")", byID, want)
	check(t, "AccountByAddress("+want.Address+")", byAddr, want)
}

func testAccountRoundTrip(t *testing.T, s store.Store) {
	full := fullAccount("acct-full", "beispiel.poststelle@example.de-mail.de")
	// Zero values throughout: nil slices, zero times, empty strings.
	bare := &store.Account{ID: "acct-bare", Address: "bare@example.de-mail.de", Kind: account.Person,
		Status: account.Pending}
	// Empty but non-nil slices.
	empty := newAccount("acct-empty", "empty@example.de-mail.de")
	empty.Holder, empty.Verification, empty.TOTPSecret = []byte{}, []byte{}, []byte{}
	// Nanoseconds are not kept; the zone is not kept either. Give the store a
	// time at microsecond precision in another zone and expect it back in UTC.
	zoned := newAccount("acct-zoned", "zoned@example.de-mail.de")
	zoned.CreatedAt = time.Date(2031, 12, 31, 23, 59, 59, 999999000, time.FixedZone("X", -7*3600-1800))
	zoned.LockedUntil = time.Date(1999, 1, 1, 0, 0, 0, 1000, time.UTC)

	update(t, s, func(tx store.Tx) error {
		for _, a := range []*store.Account{full, bare, empty, zoned} {
			if err := tx.InsertAccount(a); err != nil {
				return fmt.Errorf("InsertAccount(%s): %w", a.ID, err)
			}
		}
		return nil
	})
	for _, a := range []*store.Account{full, bare, empty, zoned} {
		getAccount(t, s, a)
	}
}

func testAccountUpdate(t *testing.T, s store.Store) {
	a := newAccount("acct-1", "erika.mustermann@example.de-mail.de")
	other := newAccount("acct-2", "max.mustermann@example.de-mail.de")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(a); err != nil {
			return err
		}
		return tx.InsertAccount(other)
	})

	// Every field but the id changes, the address too.
	changed := fullAccount(a.ID, "erika.musterfrau@example.de-mail.de")
	update(t, s, func(tx store.Tx) error { return tx.UpdateAccount(changed) })
	getAccount(t, s, changed)
	getAccount(t, s, other)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.AccountByAddress(a.Address)
		wantErr(t, "AccountByAddress(old address)", err, store.ErrNotFound)
		return nil
	})

	// Closing: holder data is deleted, times go back to zero, slices to nil.
	closed := *changed
	closed.Status, closed.Block, closed.BlockReason = account.Closed, account.NoBlock, ""
	closed.Holder, closed.Verification, closed.TOTPSecret = nil, nil, nil
	closed.TOTPEnabled, closed.Pseudonym, closed.FormalService = false, false, false
	closed.LockedUntil, closed.LastLockAt, closed.ConfirmedAt = time.Time{}, time.Time{}, time.Time{}
	closed.Failures, closed.Lockouts, closed.TOTPLastStep = 0, 0, 0
	closed.ClosedAt = at(48 * time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateAccount(&closed) })
	getAccount(t, s, &closed)
	getAccount(t, s, other)
}

func testAccountConflict(t *testing.T, s store.Store) {
	a := newAccount("acct-1", "erika.mustermann@example.de-mail.de")
	b := newAccount("acct-2", "max.mustermann@example.de-mail.de")
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(a); err != nil {
			return err
		}
		return tx.InsertAccount(b)
	})

	sameAddr := fullAccount("acct-3", a.Address)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAccount(sameAddr) })
	wantErr(t, "InsertAccount(duplicate address)", err, store.ErrConflict)

	sameID := fullAccount(a.ID, "other@example.de-mail.de")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAccount(sameID) })
	wantErr(t, "InsertAccount(duplicate id)", err, store.ErrConflict)

	// Taking another account's address by an update is a conflict too.
	moved := *b
	moved.Address = a.Address
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.UpdateAccount(&moved) })
	wantErr(t, "UpdateAccount(to a taken address)", err, store.ErrConflict)

	getAccount(t, s, a)
	getAccount(t, s, b)
	view(t, s, func(tx store.Tx) error {
		_, err := tx.AccountByID("acct-3")
		wantErr(t, "AccountByID(refused account)", err, store.ErrNotFound)
		_, err = tx.AccountByAddress("other@example.de-mail.de")
		wantErr(t, "AccountByAddress(refused account)", err, store.ErrNotFound)
		return nil
	})
}

func testAccountNotFound(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		return tx.InsertAccount(newAccount("acct-1", "erika.mustermann@example.de-mail.de"))
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.AccountByID("acct-nope")
		wantErr(t, "AccountByID(unknown)", err, store.ErrNotFound)
		_, err = tx.AccountByAddress("nobody@example.de-mail.de")
		wantErr(t, "AccountByAddress(unknown)", err, store.ErrNotFound)
		// Addresses are matched exactly: they are normalised before they reach
		// the store.
		_, err = tx.AccountByAddress("erika.mustermann@example.de-mail.de.")
		wantErr(t, "AccountByAddress(unknown)", err, store.ErrNotFound)
		return nil
	})
}

func testListAccounts(t *testing.T, s store.Store) {
	statuses := map[string]account.Status{
		"acct-01": account.Active, "acct-02": account.Pending, "acct-03": account.Active,
		"acct-04": account.Closed, "acct-05": account.Active, "acct-06": account.Pending,
		"acct-07": account.Active, "acct-08": account.Verified, "acct-09": account.Active,
	}
	// Insert out of order: the listing is by id, not by insertion.
	order := []string{"acct-05", "acct-01", "acct-09", "acct-03", "acct-08", "acct-02", "acct-07", "acct-04", "acct-06"}
	update(t, s, func(tx store.Tx) error {
		for _, id := range order {
			a := newAccount(id, id+"@example.de-mail.de")
			a.Status = statuses[id]
			if err := tx.InsertAccount(a); err != nil {
				return err
			}
		}
		return nil
	})
	ids := func(as []store.Account) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	want := func(status account.Status) []string {
		var out []string
		for id, st := range statuses {
			if status == "" || st == status {
				out = append(out, id)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, status := range []account.Status{"", account.Active, account.Pending, account.Verified, account.Closed, account.AwaitingConfirmation} {
		var all []store.Account
		view(t, s, func(tx store.Tx) (err error) {
			all, err = tx.ListAccounts(status, "", 100)
			return err
		})
		if got := ids(all); !slices.Equal(got, want(status)) {
			t.Errorf("ListAccounts(%q, \"\", 100) = %v, want %v", status, got, want(status))
		}
		for _, a := range all {
			if status != "" && a.Status != status {
				t.Errorf("ListAccounts(%q) lists %s in status %q", status, a.ID, a.Status)
			}
			if a.Address != a.ID+"@example.de-mail.de" || a.DisplayName == "" || a.CreatedAt.IsZero() {
				t.Errorf("ListAccounts(%q) lists %s incompletely: %+v", status, a.ID, a)
			}
		}
		// Page through by 2.
		for _, limit := range []int{1, 2, 4} {
			var paged []string
			after := ""
			for range 20 {
				var page []store.Account
				view(t, s, func(tx store.Tx) (err error) {
					page, err = tx.ListAccounts(status, after, limit)
					return err
				})
				if len(page) > limit {
					t.Fatalf("ListAccounts(%q, %q, %d) returned %d accounts", status, after, limit, len(page))
				}
				if len(page) == 0 {
					break
				}
				paged = append(paged, ids(page)...)
				after = page[len(page)-1].ID
			}
			if !slices.Equal(paged, want(status)) {
				t.Errorf("ListAccounts(%q) in pages of %d = %v, want %v", status, limit, paged, want(status))
			}
		}
	}
	view(t, s, func(tx store.Tx) error {
		page, err := tx.ListAccounts("", "acct-09", 10)
		if len(page) != 0 || err != nil {
			t.Errorf("ListAccounts after the last id = %d accounts, %v; want none", len(page), err)
		}
		page, err = tx.ListAccounts(account.Active, "acct-04", 2)
		if got := ids(page); err != nil || !slices.Equal(got, []string{"acct-05", "acct-07"}) {
			t.Errorf("ListAccounts(active, acct-04, 2) = %v, %v; want [acct-05 acct-07]", got, err)
		}
		return nil
	})
}

func testAddressTaken(t *testing.T, s store.Store) {
	const (
		held     = "erika.mustermann@example.de-mail.de"
		released = "max.mustermann@example.de-mail.de"
		free     = "nobody@example.de-mail.de"
	)
	rel := at(24 * time.Hour)
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-1", held)); err != nil {
			return err
		}
		return tx.ReleaseAddress(released, rel)
	})
	taken := func(addr string, since time.Time) bool {
		t.Helper()
		var ok bool
		view(t, s, func(tx store.Tx) (err error) {
			ok, err = tx.AddressTaken(addr, since)
			return err
		})
		return ok
	}
	cases := []struct {
		addr  string
		since time.Time
		want  bool
	}{
		// An account's address is taken whatever since says.
		{held, t0, true},
		{held, at(100 * 365 * 24 * time.Hour), true},
		// A released address is taken when it was released at or after since
		// (DMG §3(4): the quarantine errs on the side of the former holder).
		{released, t0, true},
		{released, rel.Add(-time.Microsecond), true},
		{released, rel, true},
		{released, rel.Add(time.Microsecond), false},
		{released, at(30 * 365 * 24 * time.Hour), false},
		{free, time.Time{}, false},
		{free, t0, false},
	}
	for _, c := range cases {
		if got := taken(c.addr, c.since); got != c.want {
			t.Errorf("AddressTaken(%s, release%+v) = %v, want %v", c.addr, c.since.Sub(rel), got, c.want)
		}
	}

	// Releasing again moves the release time (an upsert, not a conflict), in
	// separate Updates and twice in one.
	rel2 := at(72 * time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.ReleaseAddress(released, at(48*time.Hour)) })
	update(t, s, func(tx store.Tx) error {
		if err := tx.ReleaseAddress(released, at(60*time.Hour)); err != nil {
			return err
		}
		return tx.ReleaseAddress(released, rel2)
	})
	if !taken(released, rel.Add(time.Microsecond)) {
		t.Errorf("AddressTaken after a second release: false, want true")
	}
	if !taken(released, rel2) {
		t.Errorf("AddressTaken(since = last release): false, want true")
	}
	if taken(released, rel2.Add(time.Microsecond)) {
		t.Errorf("AddressTaken(since after the last release): true, want false")
	}
	// Releasing an address held by an account does not free it.
	update(t, s, func(tx store.Tx) error { return tx.ReleaseAddress(held, t0) })
	if !taken(held, at(time.Hour)) {
		t.Errorf("AddressTaken(held, after its release) = false, want true: the account still holds it")
	}
}

// sealed makes n chained entries for an account, starting after prev.
func sealed(accountID string, prev account.Entry, n int) []account.Entry {
	var out []account.Entry
	for range n {
		e := account.Seal(prev.Hash, account.Entry{
			Seq: prev.Seq + 1,
			// Nanoseconds and a zone: Seal normalises them as stores keep them.
			At:      at(time.Duration(prev.Seq+1)*time.Minute + 123*time.Nanosecond).In(time.FixedZone("CEST", 7200)),
			Account: accountID,
			Action:  fmt.Sprintf("action_%d", prev.Seq+1),
			Actor:   account.OfficerActor("off-1"),
			Detail:  fmt.Sprintf(`{"n":%d,"note":"Prüfung – ok"}`, prev.Seq+1),
		})
		out = append(out, e)
		prev = e
	}
	return out
}

func testHistory(t *testing.T, s store.Store) {
	a := sealed("acct-a", account.Entry{}, 5)
	b := sealed("acct-b", account.Entry{}, 2)
	// Two in one Update, interleaved with another account, the rest one by one.
	update(t, s, func(tx store.Tx) error {
		for _, e := range []account.Entry{a[0], b[0], a[1], b[1]} {
			if err := tx.AppendHistory(e); err != nil {
				return fmt.Errorf("AppendHistory(%s, %d): %w", e.Account, e.Seq, err)
			}
		}
		return nil
	})
	for _, e := range a[2:] {
		update(t, s, func(tx store.Tx) error {
			// As callers do: read the last entry, seal the next after it.
			last, err := tx.LastHistory(e.Account)
			if err != nil {
				return fmt.Errorf("LastHistory: %w", err)
			}
			if last.Hash != e.PrevHash || last.Seq != e.Seq-1 {
				return fmt.Errorf("LastHistory before %d = seq %d hash %s, want seq %d hash %s",
					e.Seq, last.Seq, last.Hash, e.Seq-1, e.PrevHash)
			}
			return tx.AppendHistory(e)
		})
	}
	for _, want := range [][]account.Entry{a, b} {
		var got []account.Entry
		var last account.Entry
		view(t, s, func(tx store.Tx) (err error) {
			if got, err = tx.History(want[0].Account); err != nil {
				return err
			}
			last, err = tx.LastHistory(want[0].Account)
			return err
		})
		check(t, "History("+want[0].Account+")", got, want)
		check(t, "LastHistory("+want[0].Account+")", last, want[len(want)-1])
		if err := account.VerifyChain(got); err != nil {
			t.Errorf("History(%s) read back does not verify: %v", want[0].Account, err)
		}
	}
}

func testHistoryDuplicate(t *testing.T, s store.Store) {
	h := sealed("acct-a", account.Entry{}, 2)
	update(t, s, func(tx store.Tx) error {
		if err := tx.AppendHistory(h[0]); err != nil {
			return err
		}
		return tx.AppendHistory(h[1])
	})
	// Another entry claiming seq 2: a history is never rewritten.
	forged := h[1]
	forged.Action, forged.Detail = "forged", `{"forged":true}`
	forged = account.Seal(h[0].Hash, forged)
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.AppendHistory(forged) })
	wantErr(t, "AppendHistory(duplicate seq)", err, store.ErrConflict)
	// The very same entry again is refused as well.
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.AppendHistory(h[0]) })
	wantErr(t, "AppendHistory(same entry again)", err, store.ErrConflict)

	var got []account.Entry
	view(t, s, func(tx store.Tx) (err error) {
		got, err = tx.History("acct-a")
		return err
	})
	check(t, "History after refused appends", got, h)
}

func testHistoryEmpty(t *testing.T, s store.Store) {
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertAccount(newAccount("acct-a", "a@example.de-mail.de")); err != nil {
			return err
		}
		return tx.AppendHistory(sealed("acct-other", account.Entry{}, 1)[0])
	})
	view(t, s, func(tx store.Tx) error {
		_, err := tx.LastHistory("acct-a")
		wantErr(t, "LastHistory(no entries)", err, store.ErrNotFound)
		_, err = tx.LastHistory("acct-unknown")
		wantErr(t, "LastHistory(unknown account)", err, store.ErrNotFound)
		h, err := tx.History("acct-a")
		if err != nil || len(h) != 0 {
			t.Errorf("History(no entries) = %v, %v; want none, nil", h, err)
		}
		return nil
	})
}

func testDailyUsage(t *testing.T, s store.Store) {
	type key struct{ acct, day string }
	usage := func(k key) (int, int) {
		t.Helper()
		var m, r int
		view(t, s, func(tx store.Tx) (err error) {
			m, r, err = tx.DailyUsage(k.acct, k.day)
			return err
		})
		return m, r
	}
	a1, a2, b1 := key{"acct-a", "2025-03-14"}, key{"acct-a", "2025-03-15"}, key{"acct-b", "2025-03-14"}
	if m, r := usage(a1); m != 0 || r != 0 {
		t.Errorf("DailyUsage(absent) = %d, %d; want 0, 0", m, r)
	}
	update(t, s, func(tx store.Tx) error { return tx.AddDailyUsage(a1.acct, a1.day, 1, 3) })
	update(t, s, func(tx store.Tx) error {
		if err := tx.AddDailyUsage(a1.acct, a1.day, 2, 5); err != nil {
			return err
		}
		// Read-your-writes inside the Update.
		m, r, err := tx.DailyUsage(a1.acct, a1.day)
		if err != nil {
			return err
		}
		if m != 3 || r != 8 {
			return fmt.Errorf("DailyUsage inside the Update = %d, %d; want 3, 8", m, r)
		}
		if err := tx.AddDailyUsage(a2.acct, a2.day, 1, 1); err != nil {
			return err
		}
		return tx.AddDailyUsage(b1.acct, b1.day, 7, 70)
	})
	for _, c := range []struct {
		k    key
		m, r int
	}{{a1, 3, 8}, {a2, 1, 1}, {b1, 7, 70}, {key{"acct-b", "2025-03-15"}, 0, 0}, {key{"acct-c", "2025-03-14"}, 0, 0}} {
		if m, r := usage(c.k); m != c.m || r != c.r {
			t.Errorf("DailyUsage(%s, %s) = %d, %d; want %d, %d", c.k.acct, c.k.day, m, r, c.m, c.r)
		}
	}
}

func testOfficers(t *testing.T, s store.Store) {
	o1 := &store.Officer{ID: "off-1", Name: "Sabine Prüfer", Role: "officer", TokenHash: "hash-1", CreatedAt: t0}
	o2 := &store.Officer{ID: "off-2", Name: "Olaf Betrieb", Role: "operator", TokenHash: "hash-2", CreatedAt: at(time.Second)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertOfficer(o1); err != nil {
			return err
		}
		return tx.InsertOfficer(o2)
	})
	for _, want := range []*store.Officer{o1, o2} {
		var byHash, byID *store.Officer
		view(t, s, func(tx store.Tx) (err error) {
			if byHash, err = tx.OfficerByTokenHash(want.TokenHash); err != nil {
				return err
			}
			byID, err = tx.OfficerByID(want.ID)
			return err
		})
		check(t, "OfficerByTokenHash("+want.TokenHash+")", byHash, want)
		check(t, "OfficerByID("+want.ID+")", byID, want)
	}
	view(t, s, func(tx store.Tx) error {
		_, err := tx.OfficerByTokenHash("hash-nope")
		wantErr(t, "OfficerByTokenHash(unknown)", err, store.ErrNotFound)
		_, err = tx.OfficerByID("off-nope")
		wantErr(t, "OfficerByID(unknown)", err, store.ErrNotFound)
		return nil
	})
}

func testOfficerConflict(t *testing.T, s store.Store) {
	o := &store.Officer{ID: "off-1", Name: "Sabine Prüfer", Role: "officer", TokenHash: "hash-1", CreatedAt: t0}
	update(t, s, func(tx store.Tx) error { return tx.InsertOfficer(o) })
	err := s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertOfficer(&store.Officer{ID: "off-2", Name: "X", Role: "operator", TokenHash: o.TokenHash, CreatedAt: t0})
	})
	wantErr(t, "InsertOfficer(duplicate token hash)", err, store.ErrConflict)
	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertOfficer(&store.Officer{ID: o.ID, Name: "X", Role: "operator", TokenHash: "hash-3", CreatedAt: t0})
	})
	wantErr(t, "InsertOfficer(duplicate id)", err, store.ErrConflict)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.OfficerByTokenHash(o.TokenHash)
		if err != nil {
			return err
		}
		check(t, "officer after refused inserts", got, o)
		_, err = tx.OfficerByID("off-2")
		wantErr(t, "OfficerByID(refused officer)", err, store.ErrNotFound)
		_, err = tx.OfficerByTokenHash("hash-3")
		wantErr(t, "OfficerByTokenHash(refused officer)", err, store.ErrNotFound)
		return nil
	})
}

func testAccountState(t *testing.T, s store.Store) {
	a := newAccount("acct-s", "state@siegel.test")
	a.Status, a.Block, a.TOTPEnabled = account.Active, account.UsageBlock, true
	update(t, s, func(tx store.Tx) error { return tx.InsertAccount(a) })
	want := store.AccountState{ID: a.ID, Status: account.Active, Block: account.UsageBlock, TOTPEnabled: true}
	view(t, s, func(tx store.Tx) error {
		for _, q := range [][2]string{{a.ID, ""}, {"", a.Address}} {
			got, err := tx.AccountState(q[0], q[1])
			if err != nil {
				t.Errorf("AccountState(%q, %q): %v", q[0], q[1], err)
				continue
			}
			if *got != want {
				t.Errorf("AccountState(%q, %q) = %+v, want %+v", q[0], q[1], *got, want)
			}
		}
		_, err := tx.AccountState("", "nobody@siegel.test")
		wantErr(t, "AccountState(unknown address)", err, store.ErrNotFound)
		_, err = tx.AccountState("acct-none", "")
		wantErr(t, "AccountState(unknown id)", err, store.ErrNotFound)
		return nil
	})
}

// testAccountStateFresh: AccountState inside an Update always reflects every
// earlier write, whatever a store caches.
func testAccountStateFresh(t *testing.T, s store.Store) {
	a := newAccount("acct-f", "fresh@siegel.test")
	a.Status, a.Block = account.Active, account.NoBlock
	update(t, s, func(tx store.Tx) error { return tx.InsertAccount(a) })
	state := func() store.AccountState {
		t.Helper()
		var st store.AccountState
		update(t, s, func(tx store.Tx) error {
			got, err := tx.AccountState("", a.Address)
			if err == nil {
				st = *got
			}
			return err
		})
		return st
	}
	for _, b := range []account.Block{account.FullBlock, account.NoBlock, account.UsageBlock} {
		state()
		a.Block = b
		update(t, s, func(tx store.Tx) error { return tx.UpdateAccount(a) })
		if got := state(); got.Block != b {
			t.Fatalf("after blocking %q, AccountState says %q", b, got.Block)
		}
	}
	// Within one Update, and after a failed one.
	update(t, s, func(tx store.Tx) error {
		a.Status = account.Closed
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		got, err := tx.AccountState(a.ID, "")
		if err == nil && got.Status != account.Closed {
			t.Errorf("AccountState in the Update that closed it: %q", got.Status)
		}
		return err
	})
	a.Status = account.Active
	err := s.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return errTest
	})
	wantErr(t, "failing Update", err, errTest)
	if got := state(); got.Status != account.Closed {
		t.Fatalf("a rolled-back update shows: %q", got.Status)
	}
}
