package sqlite

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-mail/siegel/internal/store"
)

// TestDatabasePrivate: the database and its WAL are readable by their
// owner only (issue 9, "Secrets"), and a file an older version left
// world-readable is tightened at open.
func TestDatabasePrivate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "siegel.db")
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAccount(acct("acct-1")) }); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(f)
		if err != nil || st.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s: %v, mode %v: the database must be private", filepath.Base(f), err, st.Mode())
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if st, err := os.Stat(path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("reopened: %v, mode %v, want 0600", err, st.Mode())
	}
}
