package storetest

import (
	"cmp"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

var letterTests = []test{
	{"RoundTrip", testLetterRoundTrip},
	{"ByMessageID", testLetterByMessageID},
	{"Conflict", testLetterConflict},
	{"CopyRoundTrip", testCopyRoundTrip},
	{"RemoteCopy", testRemoteCopy},
	{"ListCopies", testListCopies},
	{"UpdateCopy", testUpdateCopy},
	{"DeleteCopy", testDeleteCopy},
	{"BlobRefsAndDeleteLetter", testDeleteLetter},
	{"Events", testEvents},
	{"Bodies", testBodies},
	{"PendingPickups", testPendingPickups},
	{"ManyAtOnce", testManyAtOnce},
}

func getLetter(t *testing.T, s store.Store, id string) (*store.Letter, error) {
	t.Helper()
	var l *store.Letter
	var lerr error
	view(t, s, func(tx store.Tx) error {
		l, lerr = tx.LetterByID(id)
		return nil
	})
	return l, lerr
}

func getCopy(t *testing.T, s store.Store, id string) (*store.Copy, error) {
	t.Helper()
	var c *store.Copy
	var cerr error
	view(t, s, func(tx store.Tx) error {
		c, cerr = tx.CopyByID(id)
		return nil
	})
	return c, cerr
}

// withLetter is c as CopyByID and ListCopies return it: with its letter.
func withLetter(c *store.Copy, l *store.Letter) *store.Copy {
	cc := *c
	cc.Letter = l
	return &cc
}

func testLetterRoundTrip(t *testing.T, s store.Store) {
	full := newLetter("let-full", "msg-full", "acct-1")
	full.SubmittedAt = time.Date(2025, 6, 30, 23, 59, 59, 999999000, time.FixedZone("CEST", 7200))
	bare := &store.Letter{ID: "let-bare", MessageID: "msg-bare", SenderID: "acct-1",
		SenderAddress: "a@example.de-mail.de", AuthLevel: account.Normal, Recipients: []byte(`{"to":["b@example.de-mail.de"]}`),
		BodyBlob: "blob-bare", BodyHash: make([]byte, 32), SubmittedAt: t0}
	// Byte slices may be nil or empty: the store keeps them as empty.
	empty := &store.Letter{ID: "let-empty", MessageID: "msg-empty", SenderID: "acct-1",
		AuthLevel: account.Normal, BodyBlob: "blob-empty", SubmittedAt: t0}
	empty2 := &store.Letter{ID: "let-empty2", MessageID: "msg-empty2", SenderID: "acct-1",
		AuthLevel: account.Normal, BodyBlob: "blob-empty", Recipients: []byte{}, BodyHash: []byte{}, SubmittedAt: t0}
	letters := []*store.Letter{full, bare, empty, empty2}
	update(t, s, func(tx store.Tx) error {
		for _, l := range letters {
			if err := tx.InsertLetter(l); err != nil {
				return fmt.Errorf("InsertLetter(%s): %w", l.ID, err)
			}
		}
		return nil
	})
	for _, want := range letters {
		got, err := getLetter(t, s, want.ID)
		if err != nil {
			t.Errorf("LetterByID(%s): %v", want.ID, err)
			continue
		}
		check(t, "LetterByID("+want.ID+")", got, want)
	}
	_, err := getLetter(t, s, "let-nope")
	wantErr(t, "LetterByID(unknown)", err, store.ErrNotFound)
}

func testLetterByMessageID(t *testing.T, s store.Store) {
	a := newLetter("let-a", "msg-a@example.de-mail.de", "acct-1")
	b := newLetter("let-b", "msg-b@example.de-mail.de", "acct-2")
	// In the Update that inserts it, the letter is found already.
	var inTx *store.Letter
	update(t, s, func(tx store.Tx) error {
		for _, l := range []*store.Letter{a, b} {
			if err := tx.InsertLetter(l); err != nil {
				return fmt.Errorf("InsertLetter(%s): %w", l.ID, err)
			}
		}
		var err error
		if inTx, err = tx.LetterByMessageID(b.MessageID); err != nil {
			return fmt.Errorf("LetterByMessageID in the inserting Update: %w", err)
		}
		return nil
	})
	check(t, "LetterByMessageID in the inserting Update", inTx, b)
	for _, want := range []*store.Letter{a, b} {
		var got *store.Letter
		var err error
		view(t, s, func(tx store.Tx) error {
			got, err = tx.LetterByMessageID(want.MessageID)
			return nil
		})
		if err != nil {
			t.Errorf("LetterByMessageID(%s): %v", want.MessageID, err)
			continue
		}
		check(t, "LetterByMessageID("+want.MessageID+")", got, want)
	}
	var err error
	view(t, s, func(tx store.Tx) error {
		_, err = tx.LetterByMessageID("msg-nope@example.de-mail.de")
		return nil
	})
	wantErr(t, "LetterByMessageID(unknown)", err, store.ErrNotFound)
	// A letter's id is not its message id.
	view(t, s, func(tx store.Tx) error {
		_, err = tx.LetterByMessageID(a.ID)
		return nil
	})
	wantErr(t, "LetterByMessageID(a letter id)", err, store.ErrNotFound)
}

func testLetterConflict(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	update(t, s, func(tx store.Tx) error { return tx.InsertLetter(l) })

	// The receiving side deduplicates by message id (DESIGN "Where a letter goes").
	dupMsg := newLetter("let-2", l.MessageID, "acct-2")
	dupMsg.Subject = "retry"
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertLetter(dupMsg) })
	wantErr(t, "InsertLetter(duplicate message id)", err, store.ErrConflict)

	dupID := newLetter(l.ID, "msg-3", "acct-2")
	err = s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertLetter(dupID) })
	wantErr(t, "InsertLetter(duplicate id)", err, store.ErrConflict)

	got, err := getLetter(t, s, l.ID)
	if err != nil {
		t.Fatalf("LetterByID: %v", err)
	}
	check(t, "letter after refused inserts", got, l)
	_, err = getLetter(t, s, "let-2")
	wantErr(t, "LetterByID(refused letter)", err, store.ErrNotFound)
}

func testCopyRoundTrip(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	sent := newCopy("copy-sent", l.ID, "acct-1", store.Sent, t0)
	// Every field set, as a copy in the trash after reading at high.
	full := &store.Copy{ID: "copy-full", LetterID: l.ID, AccountID: "acct-2", Folder: store.Trash,
		PrevFolder: store.Inbox, Role: "bcc", Header: []byte("Bcc: b@example.de-mail.de\r\n\r\n"),
		Arrived: at(time.Second), FirstRead: at(time.Hour), PickedUp: at(2 * time.Hour),
		TrashedAt: at(3 * time.Hour)}
	// A copy without a header block (nil is accepted and read back as empty).
	bare := &store.Copy{ID: "copy-bare", LetterID: l.ID, AccountID: "acct-3", Folder: store.Inbox,
		Role: "cc", Arrived: at(time.Second)}
	copies := []*store.Copy{sent, full, bare}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		for _, c := range copies {
			if err := tx.InsertCopy(c); err != nil {
				return fmt.Errorf("InsertCopy(%s): %w", c.ID, err)
			}
		}
		return nil
	})
	for _, want := range copies {
		got, err := getCopy(t, s, want.ID)
		if err != nil {
			t.Errorf("CopyByID(%s): %v", want.ID, err)
			continue
		}
		check(t, "CopyByID("+want.ID+")", got, withLetter(want, l))
	}
	_, err := getCopy(t, s, "copy-nope")
	wantErr(t, "CopyByID(unknown)", err, store.ErrNotFound)

	err = s.Update(t.Context(), func(tx store.Tx) error {
		return tx.InsertCopy(newCopy(sent.ID, l.ID, "acct-9", store.Inbox, t0))
	})
	wantErr(t, "InsertCopy(duplicate id)", err, store.ErrConflict)
	got, err := getCopy(t, s, sent.ID)
	if err != nil {
		t.Fatalf("CopyByID: %v", err)
	}
	check(t, "copy after a refused duplicate", got, withLetter(sent, l))
}

// testRemoteCopy: a copy held for a recipient at another provider belongs to
// no account here and lies in the relay folder; it round-trips with its
// address and no mailbox lists it.
func testRemoteCopy(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	sent := newCopy("copy-sent", l.ID, "acct-1", store.Sent, t0)
	local := newCopy("copy-local", l.ID, "acct-2", store.Inbox, at(time.Second))
	remote := &store.Copy{ID: "copy-remote", LetterID: l.ID, Folder: store.Relay, Role: "to",
		Remote: "x@other.test", Header: []byte("To: x@other.test\r\n\r\n"), Arrived: at(time.Second),
		AwaitsPickup: true}
	// Inserted alone and among others: both ways keep the address.
	remoteCC := &store.Copy{ID: "copy-remote-cc", LetterID: l.ID, Folder: store.Relay, Role: "cc",
		Remote: "y@other.test", Arrived: at(time.Second)}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertCopy(remoteCC); err != nil {
			return fmt.Errorf("InsertCopy(%s): %w", remoteCC.ID, err)
		}
		return tx.InsertCopy(sent, local, remote)
	})
	all := []*store.Copy{sent, local, remote, remoteCC}
	for _, want := range all {
		got, err := getCopy(t, s, want.ID)
		if err != nil {
			t.Errorf("CopyByID(%s): %v", want.ID, err)
			continue
		}
		check(t, "CopyByID("+want.ID+")", got, withLetter(want, l))
	}

	var of []store.Copy
	view(t, s, func(tx store.Tx) (err error) {
		of, err = tx.CopiesOfLetter(l.ID)
		return err
	})
	slices.SortFunc(of, func(a, b store.Copy) int { return cmp.Compare(a.ID, b.ID) })
	var want []store.Copy
	for _, c := range all {
		want = append(want, *withLetter(c, l))
	}
	slices.SortFunc(want, func(a, b store.Copy) int { return cmp.Compare(a.ID, b.ID) })
	check(t, "CopiesOfLetter", of, want)

	// No account's mailbox lists a remote copy, in any folder.
	folders := []store.Folder{store.Inbox, store.Sent, store.Trash, store.Confirmations, store.Relay}
	for _, acct := range []string{"acct-1", "acct-2", "x@other.test", "y@other.test"} {
		for _, f := range folders {
			for _, c := range listAll(t, s, acct, f, 10) {
				if c.Remote != "" || c.ID == remote.ID || c.ID == remoteCC.ID {
					t.Errorf("ListCopies(%s, %s) lists remote copy %s (%q)", acct, f, c.ID, c.Remote)
				}
			}
		}
	}
	if ids := copyIDs(listAll(t, s, "acct-2", store.Inbox, 10)); !slices.Equal(ids, []string{local.ID}) {
		t.Errorf("inbox of acct-2 = %v, want [%s]", ids, local.ID)
	}

	// Updating a remote copy keeps its address.
	handed := *remote
	handed.FirstRead, handed.PickedUp = at(time.Minute), at(2*time.Minute)
	update(t, s, func(tx store.Tx) error { return tx.UpdateCopy(&handed) })
	got, err := getCopy(t, s, remote.ID)
	if err != nil {
		t.Fatalf("CopyByID after UpdateCopy: %v", err)
	}
	check(t, "remote copy after UpdateCopy", got, withLetter(&handed, l))
}

// listAll pages through ListCopies with the given page size and returns every
// copy, checking that no page is larger than asked for.
func listAll(t *testing.T, s store.Store, acct string, folder store.Folder, limit int) []store.Copy {
	t.Helper()
	var out []store.Copy
	var before *store.Cursor
	for range 1000 {
		var page []store.Copy
		view(t, s, func(tx store.Tx) (err error) {
			page, err = tx.ListCopies(acct, folder, before, limit)
			return err
		})
		if len(page) > limit {
			t.Fatalf("ListCopies(%s, %s, %v, %d) returned %d copies", acct, folder, before, limit, len(page))
		}
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		last := page[len(page)-1]
		before = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
	t.Fatalf("ListCopies(%s, %s) does not end", acct, folder)
	return nil
}

func copyIDs(cs []store.Copy) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

func testListCopies(t *testing.T, s store.Store) {
	const me, other = "acct-me", "acct-other"
	letters := map[string]*store.Letter{}
	var inbox []*store.Copy
	// Arrival times with ties: several copies arrive in the same microsecond,
	// as the copies of one accept do. IDs are not in arrival order.
	arrivals := []struct {
		id string
		d  time.Duration
	}{
		{"c-07", 0}, {"c-03", time.Minute}, {"c-11", time.Minute}, {"c-01", time.Minute},
		{"c-09", time.Minute}, {"c-05", 2 * time.Minute}, {"c-02", 2 * time.Minute},
		{"c-10", 3 * time.Minute}, {"c-04", 5 * time.Minute}, {"c-08", 5 * time.Minute},
		{"c-06", 5 * time.Minute}, {"c-12", 4 * time.Minute},
	}
	update(t, s, func(tx store.Tx) error {
		for _, a := range arrivals {
			l := newLetter("let-"+a.id, "msg-"+a.id, other)
			l.Subject = "Betreff " + a.id
			letters[l.ID] = l
			if err := tx.InsertLetter(l); err != nil {
				return err
			}
			c := newCopy(a.id, l.ID, me, store.Inbox, at(a.d))
			inbox = append(inbox, c)
			if err := tx.InsertCopy(c); err != nil {
				return err
			}
			// The sender's copy in the other mailbox, same times.
			if err := tx.InsertCopy(newCopy("s-"+a.id, l.ID, other, store.Sent, at(a.d))); err != nil {
				return err
			}
		}
		// Copies in my other folders and in someone else's inbox.
		for i, f := range []store.Folder{store.Sent, store.Trash, store.Sent} {
			c := newCopy(fmt.Sprintf("x-%d", i), "let-c-01", me, f, at(time.Duration(i)*time.Minute))
			if f == store.Trash {
				c.PrevFolder, c.TrashedAt = store.Inbox, at(time.Hour)
			}
			if err := tx.InsertCopy(c); err != nil {
				return err
			}
		}
		return tx.InsertCopy(newCopy("y-1", "let-c-01", other, store.Inbox, at(time.Minute)))
	})

	want := slices.Clone(inbox)
	slices.SortFunc(want, func(a, b *store.Copy) int {
		if c := b.Arrived.Compare(a.Arrived); c != 0 {
			return c
		}
		return cmp.Compare(b.ID, a.ID)
	})
	var wantIDs []string
	for _, c := range want {
		wantIDs = append(wantIDs, c.ID)
	}

	for _, limit := range []int{1, 2, 3, 5, 100} {
		got := listAll(t, s, me, store.Inbox, limit)
		if ids := copyIDs(got); !slices.Equal(ids, wantIDs) {
			t.Errorf("ListCopies(inbox) in pages of %d = %v, want %v", limit, ids, wantIDs)
			continue
		}
		if limit == 100 {
			for i := range got {
				check(t, "ListCopies(inbox)["+got[i].ID+"]", &got[i], withLetter(want[i], letters[want[i].LetterID]))
			}
		}
	}

	// A cursor in the middle of a tie: strictly after (Arrived, ID), newest first.
	var page []store.Copy
	view(t, s, func(tx store.Tx) (err error) {
		page, err = tx.ListCopies(me, store.Inbox, &store.Cursor{Arrived: at(time.Minute), ID: "c-09"}, 3)
		return err
	})
	if ids := copyIDs(page); !slices.Equal(ids, []string{"c-03", "c-01", "c-07"}) {
		t.Errorf("ListCopies(before minute 1 / c-09, 3) = %v, want [c-03 c-01 c-07]", ids)
	}
	// A cursor whose ID is not a copy (any position works).
	view(t, s, func(tx store.Tx) (err error) {
		page, err = tx.ListCopies(me, store.Inbox, &store.Cursor{Arrived: at(time.Minute), ID: "c-10"}, 2)
		return err
	})
	if ids := copyIDs(page); !slices.Equal(ids, []string{"c-09", "c-03"}) {
		t.Errorf("ListCopies(before minute 1 / c-10, 2) = %v, want [c-09 c-03]", ids)
	}
	// Past the oldest: nothing, and no error.
	view(t, s, func(tx store.Tx) (err error) {
		page, err = tx.ListCopies(me, store.Inbox, &store.Cursor{Arrived: t0, ID: "c-07"}, 10)
		return err
	})
	if len(page) != 0 {
		t.Errorf("ListCopies(before the oldest) = %v, want none", copyIDs(page))
	}

	// Folder filtering.
	for _, c := range []struct {
		acct   string
		folder store.Folder
		want   []string
	}{
		{me, store.Sent, []string{"x-2", "x-0"}},
		{me, store.Trash, []string{"x-1"}},
		{other, store.Inbox, []string{"y-1"}},
		{"acct-nobody", store.Inbox, nil},
	} {
		got := listAll(t, s, c.acct, c.folder, 10)
		if ids := copyIDs(got); !slices.Equal(ids, c.want) {
			t.Errorf("ListCopies(%s, %s) = %v, want %v", c.acct, c.folder, ids, c.want)
		}
		for _, g := range got {
			if g.Folder != c.folder || g.AccountID != c.acct || g.Letter == nil || g.Letter.ID != g.LetterID {
				t.Errorf("ListCopies(%s, %s) lists %+v", c.acct, c.folder, g)
			}
		}
	}
	sent := listAll(t, s, other, store.Sent, 4)
	if len(sent) != len(arrivals) {
		t.Errorf("ListCopies(other, sent) = %d copies, want %d", len(sent), len(arrivals))
	}
}

func testUpdateCopy(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	c := newCopy("copy-1", l.ID, "acct-2", store.Inbox, t0)
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(c)
	})
	inFolder := func(f store.Folder) []string {
		return copyIDs(listAll(t, s, c.AccountID, f, 10))
	}

	// Read, then opened at high.
	read := *c
	read.FirstRead, read.PickedUp = at(time.Hour), at(2*time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateCopy(&read) })
	got, err := getCopy(t, s, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	check(t, "copy after reading", got, withLetter(&read, l))

	// Into the trash.
	trashed := read
	trashed.PrevFolder, trashed.Folder, trashed.TrashedAt = store.Inbox, store.Trash, at(3*time.Hour)
	update(t, s, func(tx store.Tx) error { return tx.UpdateCopy(&trashed) })
	if got, err = getCopy(t, s, c.ID); err != nil {
		t.Fatal(err)
	}
	check(t, "copy in the trash", got, withLetter(&trashed, l))
	if ids := inFolder(store.Inbox); len(ids) != 0 {
		t.Errorf("inbox after trashing = %v, want empty", ids)
	}
	if ids := inFolder(store.Trash); !slices.Equal(ids, []string{c.ID}) {
		t.Errorf("trash after trashing = %v, want [%s]", ids, c.ID)
	}

	// Restored: back where it came from, the trash fields cleared.
	restored := trashed
	restored.Folder, restored.PrevFolder, restored.TrashedAt = store.Inbox, "", time.Time{}
	update(t, s, func(tx store.Tx) error { return tx.UpdateCopy(&restored) })
	if got, err = getCopy(t, s, c.ID); err != nil {
		t.Fatal(err)
	}
	check(t, "restored copy", got, withLetter(&restored, l))
	if ids := inFolder(store.Inbox); !slices.Equal(ids, []string{c.ID}) {
		t.Errorf("inbox after restoring = %v, want [%s]", ids, c.ID)
	}
	if ids := inFolder(store.Trash); len(ids) != 0 {
		t.Errorf("trash after restoring = %v, want empty", ids)
	}
}

func testDeleteCopy(t *testing.T, s store.Store) {
	l := newLetter("let-1", "msg-1", "acct-1")
	other := newLetter("let-2", "msg-2", "acct-1")
	copies := []*store.Copy{
		newCopy("copy-s", l.ID, "acct-1", store.Sent, t0),
		newCopy("copy-a", l.ID, "acct-2", store.Inbox, t0),
		newCopy("copy-b", l.ID, "acct-3", store.Inbox, t0),
	}
	update(t, s, func(tx store.Tx) error {
		for _, x := range []*store.Letter{l, other} {
			if err := tx.InsertLetter(x); err != nil {
				return err
			}
		}
		for _, c := range copies {
			if err := tx.InsertCopy(c); err != nil {
				return err
			}
		}
		return tx.InsertCopy(newCopy("copy-other", other.ID, "acct-2", store.Inbox, t0))
	})
	ofLetter := func(id string) []store.Copy {
		t.Helper()
		var cs []store.Copy
		view(t, s, func(tx store.Tx) (err error) {
			cs, err = tx.CopiesOfLetter(id)
			return err
		})
		// The order is not part of the contract; nor is the joined letter.
		slices.SortFunc(cs, func(a, b store.Copy) int { return cmp.Compare(a.ID, b.ID) })
		for i := range cs {
			cs[i].Letter = nil
		}
		return cs
	}
	sorted := func(cs ...*store.Copy) []store.Copy {
		var out []store.Copy
		for _, c := range cs {
			out = append(out, *c)
		}
		slices.SortFunc(out, func(a, b store.Copy) int { return cmp.Compare(a.ID, b.ID) })
		return out
	}
	check(t, "CopiesOfLetter", ofLetter(l.ID), sorted(copies...))

	update(t, s, func(tx store.Tx) error { return tx.DeleteCopy("copy-a") })
	_, err := getCopy(t, s, "copy-a")
	wantErr(t, "CopyByID(deleted)", err, store.ErrNotFound)
	check(t, "CopiesOfLetter after DeleteCopy", ofLetter(l.ID), sorted(copies[0], copies[2]))
	if ids := copyIDs(listAll(t, s, "acct-2", store.Inbox, 10)); !slices.Equal(ids, []string{"copy-other"}) {
		t.Errorf("inbox of acct-2 after DeleteCopy = %v, want [copy-other]", ids)
	}
	// The letter stays while copies of it remain.
	if _, err := getLetter(t, s, l.ID); err != nil {
		t.Errorf("LetterByID after DeleteCopy: %v", err)
	}
	if got := ofLetter("let-nope"); len(got) != 0 {
		t.Errorf("CopiesOfLetter(unknown) = %v, want none", got)
	}
}

func testDeleteLetter(t *testing.T, s store.Store) {
	// Two letters share a body blob (the same content sent twice), one has its own.
	a := newLetter("let-a", "msg-a", "acct-1")
	b := newLetter("let-b", "msg-b", "acct-1")
	c := newLetter("let-c", "msg-c", "acct-1")
	a.BodyBlob, b.BodyBlob, c.BodyBlob = "blob-shared", "blob-shared", "blob-own"
	update(t, s, func(tx store.Tx) error {
		for _, l := range []*store.Letter{a, b, c} {
			if err := tx.InsertLetter(l); err != nil {
				return err
			}
			cp := newCopy("copy-"+l.ID, l.ID, "acct-2", store.Inbox, t0)
			if err := tx.InsertCopy(cp); err != nil {
				return err
			}
			if err := tx.InsertEvent(&store.Event{ID: "ev-" + l.ID, LetterID: l.ID, CopyID: cp.ID,
				AccountID: "acct-2", Kind: store.EventStored, At: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	refs := func(blob string) int {
		t.Helper()
		var n int
		view(t, s, func(tx store.Tx) (err error) {
			n, err = tx.CountLetterBlobRefs(blob)
			return err
		})
		return n
	}
	for blob, want := range map[string]int{"blob-shared": 2, "blob-own": 1, "blob-none": 0} {
		if n := refs(blob); n != want {
			t.Errorf("CountLetterBlobRefs(%s) = %d, want %d", blob, n, want)
		}
	}

	// As the mailbox does it: the last copy goes, then the letter.
	update(t, s, func(tx store.Tx) error {
		if err := tx.DeleteCopy("copy-" + a.ID); err != nil {
			return err
		}
		return tx.DeleteLetter(a.ID)
	})
	if _, err := getLetter(t, s, a.ID); err == nil {
		t.Errorf("LetterByID(deleted letter) found it")
	} else {
		wantErr(t, "LetterByID(deleted letter)", err, store.ErrNotFound)
	}
	var evs []store.Event
	view(t, s, func(tx store.Tx) (err error) {
		evs, err = tx.Events(a.ID)
		return err
	})
	if len(evs) != 0 {
		t.Errorf("Events(deleted letter) = %v, want none: a letter's events go with it", evs)
	}
	for blob, want := range map[string]int{"blob-shared": 1, "blob-own": 1} {
		if n := refs(blob); n != want {
			t.Errorf("after DeleteLetter: CountLetterBlobRefs(%s) = %d, want %d", blob, n, want)
		}
	}
	// The other letters are untouched.
	for _, l := range []*store.Letter{b, c} {
		got, err := getLetter(t, s, l.ID)
		if err != nil {
			t.Errorf("LetterByID(%s) after deleting another: %v", l.ID, err)
			continue
		}
		check(t, "letter "+l.ID, got, l)
		view(t, s, func(tx store.Tx) (err error) {
			evs, err = tx.Events(l.ID)
			return err
		})
		if len(evs) != 1 {
			t.Errorf("Events(%s) after deleting another letter = %d events, want 1", l.ID, len(evs))
		}
	}
}
