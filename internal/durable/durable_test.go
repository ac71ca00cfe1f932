package durable

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLock(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	first, err := Lock(path, 0o600, 0)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := Lock(path, 0o600, 100*time.Millisecond); err == nil || !strings.Contains(err.Error(), "is held") {
		t.Fatalf("a second lock while the first holds: %v", err)
	}
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("gave up after %v, before the wait of 100ms", waited)
	}
	// Released while the second waits: it gets the lock.
	go func() { time.Sleep(50 * time.Millisecond); first.Close() }()
	second, err := Lock(path, 0o600, 5*time.Second)
	if err != nil {
		t.Fatalf("lock after release: %v", err)
	}
	second.Close()
}

func TestSyncDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := SyncDir(filepath.Join(dir, "missing")); err == nil {
		t.Fatal("SyncDir of a missing folder succeeded")
	}
}

// TestReplaceFile: the file holds the new content with the mode asked for,
// and no temporary file is left behind.
func TestReplaceFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "list")
	for _, content := range []string{"first", "second, longer"} {
		if err := ReplaceFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		info, _ := os.Stat(path)
		if err != nil || string(b) != content || info.Mode().Perm() != 0o640 {
			t.Fatalf("after writing %q: %q, %v, mode %v", content, b, err, info.Mode())
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("%d files in the folder, want 1", len(entries))
	}
	if err := ReplaceFile(filepath.Join(dir, "no", "such"), nil, 0o600); err == nil {
		t.Error("writing into a missing folder succeeded")
	}
}
