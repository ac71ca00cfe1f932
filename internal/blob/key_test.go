package blob_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/siegel-mail/siegel/internal/blob"
)

func TestKeyRoundTrip(t *testing.T) {
	t.Parallel()
	k1, k2 := newKey(t), newKey(t)
	if len(k1) != blob.KeySize || bytes.Equal(k1, k2) {
		t.Fatalf("NewKey: %d bytes, two keys equal: %v", len(k1), bytes.Equal(k1, k2))
	}
	p := filepath.Join(t.TempDir(), "blob.key")
	if err := blob.WriteKey(p, k1); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	got, err := blob.LoadKey(p)
	if err != nil || !bytes.Equal(got, k1) {
		t.Fatalf("LoadKey = %x, %v; want the written key", got, err)
	}
	if err := blob.WriteKey(p, k2); err == nil {
		t.Fatal("WriteKey replaced an existing key file")
	}
	if got, _ := blob.LoadKey(p); !bytes.Equal(got, k1) {
		t.Fatal("refused WriteKey still changed the file")
	}
}

func TestWriteKeyRefusesWrongLength(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, n := range []int{0, 16, 31, 33, 64} {
		p := filepath.Join(dir, "k")
		if err := blob.WriteKey(p, make([]byte, n)); err == nil {
			t.Errorf("WriteKey accepted a %d-byte key", n)
		}
		if _, err := os.Stat(p); err == nil {
			t.Fatalf("refused WriteKey of %d bytes left a file", n)
		}
	}
}

func TestLoadKeyRefuses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newKey(t)
	write := func(name string, content []byte, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		// Chmod, as WriteFile's mode is filtered by the umask.
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o660, 0o666, 0o602, 0o620} {
		p := write("mode"+mode.String(), key, mode)
		if _, err := blob.LoadKey(p); err == nil {
			t.Errorf("LoadKey accepted a key file with mode %04o", mode)
		}
	}
	if _, err := blob.LoadKey(write("readonly", key, 0o400)); err != nil {
		t.Errorf("LoadKey refused mode 0400: %v", err)
	}
	for _, n := range []int{0, 1, 31, 33, 64, 4096} {
		p := write(fmt.Sprintf("size%d", n), make([]byte, n), 0o600)
		if _, err := blob.LoadKey(p); err == nil {
			t.Errorf("LoadKey accepted a %d-byte file", n)
		}
	}
	if _, err := blob.LoadKey(dir); err == nil {
		t.Errorf("LoadKey accepted a directory")
	}
	if _, err := blob.LoadKey(filepath.Join(dir, "missing")); err == nil {
		t.Errorf("LoadKey accepted a missing file")
	}
}
