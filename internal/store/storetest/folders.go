package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// folderTests hold the holders' own folders (store/folder.go; TR PVD-FU
// §3.1.3.7) to their contract.
var folderTests = []test{
	{"RoundTrip", testFolderRoundTrip},
	{"Conflict", testFolderConflict},
	{"RenameAndDelete", testFolderRenameDelete},
	{"Counts", testFolderCounts},
	{"CopyOrigin", testCopyOrigin},
	{"WriteFailsInView", testFolderReadOnly},
}

func newFolder(id, accountID, name string) *store.UserFolderInfo {
	return &store.UserFolderInfo{ID: id, AccountID: accountID, Name: name, CreatedAt: at(time.Minute)}
}

func insertFolders(t *testing.T, s store.Store, fs ...*store.UserFolderInfo) {
	t.Helper()
	update(t, s, func(tx store.Tx) error {
		for _, f := range fs {
			if err := tx.InsertFolder(f); err != nil {
				return fmt.Errorf("InsertFolder(%s): %w", f.ID, err)
			}
		}
		return nil
	})
}

func folderNames(fs []store.UserFolderInfo) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Name)
	}
	return out
}

// testFolderRoundTrip: a folder comes back as stored, to its own account
// only; an account's folders are listed by name, bytewise.
func testFolderRoundTrip(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	a := newFolder("f-1", "acct-1", "Steuer 2025")
	b := newFolder("f-2", "acct-1", "Ärzte – „privat“")
	c := newFolder("f-3", "acct-1", "Bank")
	other := newFolder("f-4", "acct-2", "Steuer 2025")
	insertFolders(t, s, a, b, c, other)
	view(t, s, func(tx store.Tx) error {
		got, err := tx.FolderByID("acct-1", "f-2")
		if err != nil {
			return err
		}
		check(t, "FolderByID", got, b)
		if _, err := tx.FolderByID("acct-2", "f-2"); err != store.ErrNotFound {
			t.Errorf("another account's folder: %v, want ErrNotFound", err)
		}
		all, err := tx.AccountFolders("acct-1")
		if err != nil {
			return err
		}
		check(t, "AccountFolders", folderNames(all), []string{"Bank", "Steuer 2025", "Ärzte – „privat“"})
		none, err := tx.AccountFolders("acct-3")
		if len(none) != 0 {
			t.Errorf("folders of an account without: %v", none)
		}
		return err
	})
}

// testFolderConflict: a name once per account; an id once.
func testFolderConflict(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1")
	insertFolders(t, s, newFolder("f-1", "acct-1", "A"), newFolder("f-2", "acct-1", "B"))
	for name, f := range map[string]*store.UserFolderInfo{
		"same name": newFolder("f-3", "acct-1", "A"),
		"same id":   newFolder("f-1", "acct-1", "C"),
	} {
		err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertFolder(f) })
		wantErr(t, name, err, store.ErrConflict)
	}
	err := s.Update(t.Context(), func(tx store.Tx) error { return tx.RenameFolder("acct-1", "f-2", "A") })
	wantErr(t, "rename to a taken name", err, store.ErrConflict)
}

// testFolderRenameDelete: a rename keeps the id; a delete removes one
// folder, DeleteAccountFolders every one of an account; neither touches
// another account's.
func testFolderRenameDelete(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	insertFolders(t, s, newFolder("f-1", "acct-1", "A"), newFolder("f-2", "acct-1", "B"),
		newFolder("f-3", "acct-2", "C"))
	update(t, s, func(tx store.Tx) error {
		if err := tx.RenameFolder("acct-1", "f-1", "Z"); err != nil {
			return err
		}
		// Another account's folder is left alone.
		if err := tx.RenameFolder("acct-1", "f-3", "X"); err != nil {
			return err
		}
		if err := tx.DeleteFolder("acct-1", "f-3"); err != nil {
			return err
		}
		return tx.DeleteFolder("acct-1", "f-2")
	})
	view(t, s, func(tx store.Tx) error {
		all, err := tx.AccountFolders("acct-1")
		check(t, "after rename and delete", folderNames(all), []string{"Z"})
		other, _ := tx.AccountFolders("acct-2")
		check(t, "another account's", folderNames(other), []string{"C"})
		return err
	})
	update(t, s, func(tx store.Tx) error { return tx.DeleteAccountFolders("acct-1") })
	view(t, s, func(tx store.Tx) error {
		all, err := tx.AccountFolders("acct-1")
		if len(all) != 0 {
			t.Errorf("after DeleteAccountFolders: %v", all)
		}
		other, _ := tx.AccountFolders("acct-2")
		check(t, "another account's after DeleteAccountFolders", folderNames(other), []string{"C"})
		return err
	})
}

// testFolderCounts: the copies filed in each folder, and ListCopies lists
// them like those of a system folder.
func testFolderCounts(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	insertFolders(t, s, newFolder("f-1", "acct-1", "A"), newFolder("f-2", "acct-1", "B"),
		newFolder("f-3", "acct-1", "Empty"))
	l := newLetter("let-1", "msg-1", "acct-2")
	fa, fb := store.UserFolder("f-1"), store.UserFolder("f-2")
	copies := []*store.Copy{
		newCopy("c-1", "let-1", "acct-1", fa, at(time.Second)),
		newCopy("c-2", "let-1", "acct-1", fa, at(2*time.Second)),
		newCopy("c-3", "let-1", "acct-1", fb, at(3*time.Second)),
		newCopy("c-4", "let-1", "acct-1", store.Inbox, at(4*time.Second)),
		// Another account's copy in a folder of the same encoding counts
		// for that account only.
		newCopy("c-5", "let-1", "acct-2", fa, at(5*time.Second)),
	}
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(copies...)
	})
	view(t, s, func(tx store.Tx) error {
		n, err := tx.FolderCounts("acct-1")
		if want := (map[store.Folder]int{fa: 2, fb: 1}); fmt.Sprint(n) != fmt.Sprint(want) {
			t.Errorf("FolderCounts = %v, want %v", n, want)
		}
		return err
	})
	check(t, "ListCopies of a folder", copyIDs(listAll(t, s, "acct-1", fa, 1)), []string{"c-2", "c-1"})
	if id, ok := fa.UserFolderID(); !ok || id != "f-1" {
		t.Errorf("UserFolderID(%q) = %q, %v", fa, id, ok)
	}
	for _, f := range []store.Folder{store.Inbox, store.Trash, "f:", ""} {
		if id, ok := f.UserFolderID(); ok {
			t.Errorf("UserFolderID(%q) = %q, true", f, id)
		}
	}
}

func testFolderReadOnly(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1")
	insertFolders(t, s, newFolder("f-1", "acct-1", "A"))
	for name, fn := range map[string]func(store.Tx) error{
		"InsertFolder":         func(tx store.Tx) error { return tx.InsertFolder(newFolder("f-2", "acct-1", "B")) },
		"RenameFolder":         func(tx store.Tx) error { return tx.RenameFolder("acct-1", "f-1", "C") },
		"DeleteFolder":         func(tx store.Tx) error { return tx.DeleteFolder("acct-1", "f-1") },
		"DeleteAccountFolders": func(tx store.Tx) error { return tx.DeleteAccountFolders("acct-1") },
	} {
		var werr error
		if err := s.View(t.Context(), func(tx store.Tx) error { werr = fn(tx); return nil }); err == nil && werr == nil {
			t.Errorf("%s in View succeeded", name)
		}
	}
	view(t, s, func(tx store.Tx) error {
		all, err := tx.AccountFolders("acct-1")
		check(t, "after the refused writes", folderNames(all), []string{"A"})
		return err
	})
}

// testCopyOrigin: a copy the holder made into a folder keeps the id of
// the copy it was made from through every read.
func testCopyOrigin(t *testing.T, s store.Store) {
	insertPasskeyAccounts(t, s, "acct-1", "acct-2")
	fa := store.UserFolder("f-1")
	made := newCopy("c-2", "let-1", "acct-1", fa, at(time.Second))
	made.Origin = "c-1"
	update(t, s, func(tx store.Tx) error {
		if err := tx.InsertLetter(newLetter("let-1", "msg-1", "acct-2")); err != nil {
			return err
		}
		return tx.InsertCopy(newCopy("c-1", "let-1", "acct-1", store.Inbox, at(time.Second)), made)
	})
	view(t, s, func(tx store.Tx) error {
		c, err := tx.CopyByID("c-2")
		if err != nil {
			return err
		}
		check(t, "CopyByID origin and source", []string{c.Origin, c.Source()}, []string{"c-1", "c-1"})
		all, err := tx.CopiesOfLetter("let-1")
		var origins []string
		for _, c := range all {
			origins = append(origins, c.ID+"<"+c.Origin+">"+c.Source())
		}
		slices.Sort(origins)
		check(t, "CopiesOfLetter", origins, []string{"c-1<>c-1", "c-2<c-1>c-1"})
		return err
	})
	check(t, "ListCopies", copyIDs(listAll(t, s, "acct-1", fa, 10)), []string{"c-2"})
	if got := listAll(t, s, "acct-1", fa, 10); len(got) != 1 || got[0].Origin != "c-1" {
		t.Errorf("ListCopies origin: %+v", got)
	}
}
