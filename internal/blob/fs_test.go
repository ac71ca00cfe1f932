package blob_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/blob/blobtest"
)

func newKey(t testing.TB) []byte {
	t.Helper()
	k, err := blob.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func openFS(t testing.TB, dir string, key []byte) *blob.FS {
	t.Helper()
	f, err := blob.NewFS(dir, key)
	if err != nil {
		t.Fatalf("NewFS: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func blobPath(dir string, id blob.ID) string {
	return filepath.Join(dir, string(id[:2]), string(id[2:4]), string(id))
}

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	blobtest.Run(t, func(t *testing.T) blob.Store { return blob.NewMemory(key) })
}

func TestFSConformance(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	blobtest.Run(t, func(t *testing.T) blob.Store { return openFS(t, t.TempDir(), key) })
}

// TestFSConformanceFileByFile runs the suite over the fsync-each-file Sync that
// systems without syncfs use.
func TestFSConformanceFileByFile(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	blobtest.Run(t, func(t *testing.T) blob.Store {
		f := openFS(t, t.TempDir(), key)
		blob.FlushFileByFile(f)
		return f
	})
}

func TestMemoryNamesLikeFS(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	f := openFS(t, t.TempDir(), key)
	m := blob.NewMemory(key)
	data := []byte("one body, one name, whichever store")
	a, err := f.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	b, err := m.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Fatalf("FS named it %s, Memory %s", a, b)
	}
	fs, _ := f.Stat(t.Context(), a)
	ms, _ := m.Stat(t.Context(), b)
	if fs != ms || fs != int64(len(data)+blob.Overhead) {
		t.Fatalf("Stat: FS %d, Memory %d, want %d", fs, ms, len(data)+blob.Overhead)
	}
}

func TestFSLayout(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := openFS(t, dir, newKey(t))
	data := []byte(strings.Repeat("Vertraulicher Inhalt eines Einschreibens. ", 20))
	id, err := f.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	p := blobPath(dir, id)
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatalf("blob not at dir/ab/cd/id: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("blob file mode %04o, want 0600", fi.Mode().Perm())
	}
	if fi.Size() != int64(len(data)+blob.Overhead) {
		t.Errorf("file size %d, want %d", fi.Size(), len(data)+blob.Overhead)
	}
	if size, err := f.Stat(t.Context(), id); err != nil || size != fi.Size() {
		t.Errorf("Stat = %d, %v; want %d", size, err, fi.Size())
	}
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(raw, []byte("SGB1")) {
		t.Errorf("file starts %q, want magic SGB1", raw[:4])
	}
	if bytes.Contains(raw, []byte("Vertraulich")) || bytes.Contains(raw, data[:16]) {
		t.Errorf("plaintext visible in the stored file")
	}
	for _, d := range []string{filepath.Dir(p), filepath.Dir(filepath.Dir(p))} {
		if fi, err := os.Stat(d); err != nil || fi.Mode().Perm() != 0o700 {
			t.Errorf("directory %s: %v, mode %v; want 0700", d, err, fi.Mode().Perm())
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(p))
	if len(ents) != 1 {
		t.Errorf("leaf directory holds %d entries, want just the blob (no temp files left)", len(ents))
	}
}

// TestFSDeterministic: the same key and content give the same bytes in any
// folder, which is what lets two nodes race to write a blob harmlessly.
func TestFSDeterministic(t *testing.T) {
	t.Parallel()
	key := newKey(t)
	d1, d2 := t.TempDir(), t.TempDir()
	f1, f2 := openFS(t, d1, key), openFS(t, d2, key)
	data := []byte("same letter body")
	id1, _ := f1.Put(t.Context(), data)
	id2, _ := f2.Put(t.Context(), data)
	if id1 != id2 {
		t.Fatalf("IDs differ: %s, %s", id1, id2)
	}
	b1, err1 := os.ReadFile(blobPath(d1, id1))
	b2, err2 := os.ReadFile(blobPath(d2, id2))
	if err1 != nil || err2 != nil || !bytes.Equal(b1, b2) {
		t.Fatalf("stored bytes differ between folders (%v, %v)", err1, err2)
	}
}

func TestFSTamper(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := openFS(t, dir, newKey(t))
	data := bytes.Repeat([]byte("0123456789"), 100)
	id, err := f.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	p := blobPath(dir, id)
	orig, _ := os.ReadFile(p)

	check := func(name string, content []byte) {
		t.Helper()
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := f.Get(t.Context(), id)
		if !errors.Is(err, blob.ErrCorrupt) {
			t.Errorf("%s: Get = %d bytes, %v; want ErrCorrupt", name, len(got), err)
		}
	}
	for _, off := range []int{0, 3, 4, 5, len(orig) / 2, len(orig) - 17, len(orig) - 16, len(orig) - 1} {
		b := bytes.Clone(orig)
		b[off] ^= 0x01
		check("flipped byte "+strconv.Itoa(off), b)
	}
	check("truncated", orig[:len(orig)-1])
	check("only the magic", orig[:4])
	check("empty", nil)
	check("appended", append(bytes.Clone(orig), 0))

	// A Put of the content repairs a file of the wrong size, as a crash can
	// leave between rename and flush.
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Put(t.Context(), data); err != nil {
		t.Fatal(err)
	}
	got, err := f.Get(t.Context(), id)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("after repairing Put: Get = %v", err)
	}
}

// TestFSSwap: a blob file moved or copied to another blob's name does not
// decrypt there: Get reports corruption, never the other letter's content.
func TestFSSwap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := openFS(t, dir, newKey(t))
	a, _ := f.Put(t.Context(), []byte("letter to Alice"))
	b, _ := f.Put(t.Context(), []byte("letter to Bob!!")) // same length on purpose
	if err := os.MkdirAll(filepath.Dir(blobPath(dir, b)), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(blobPath(dir, a), blobPath(dir, b)); err != nil {
		t.Fatal(err)
	}
	got, err := f.Get(t.Context(), b)
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Get of swapped blob = %q, %v; want ErrCorrupt", got, err)
	}
	if _, err := f.Get(t.Context(), a); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get of moved-away blob = %v, want ErrNotFound", err)
	}
}

// TestFSTwoNodes: two FS values on one folder with one key, like two nodes on
// a shared volume, write the same content at the same time and agree.
func TestFSTwoNodes(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newKey(t)
	n1, n2 := openFS(t, dir, key), openFS(t, dir, key)
	data := bytes.Repeat([]byte("shared body "), 4000)
	const per = 20
	ids := make(chan blob.ID, 2*per)
	var wg sync.WaitGroup
	for _, n := range []*blob.FS{n1, n2} {
		for range per {
			wg.Go(func() {
				id, err := n.Put(t.Context(), data)
				if err != nil {
					t.Error(err)
					return
				}
				if err := n.Sync(t.Context()); err != nil {
					t.Error(err)
				}
				ids <- id
			})
		}
	}
	wg.Wait()
	close(ids)
	first := <-ids
	for id := range ids {
		if id != first {
			t.Fatalf("nodes disagree: %s, %s", first, id)
		}
	}
	for i, n := range []*blob.FS{n1, n2} {
		got, err := n.Get(t.Context(), first)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("node %d: Get: %v", i+1, err)
		}
		var all []blob.ID
		if err := n.Walk(func(id blob.ID) error { all = append(all, id); return nil }); err != nil {
			t.Fatal(err)
		}
		if len(all) != 1 || all[0] != first {
			t.Fatalf("node %d: Walk = %v, want just %s", i+1, all, first)
		}
	}
	ents, _ := os.ReadDir(filepath.Dir(blobPath(dir, first)))
	if len(ents) != 1 {
		t.Fatalf("leaf holds %d entries, want 1 (temporary files left behind?)", len(ents))
	}
}

// TestFSSyncsBlobsOthersWrote: a Put that finds the blob already written (by
// another node, maybe not yet flushed) still makes its Sync flush.
func TestFSSyncsBlobsOthersWrote(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newKey(t)
	n1, n2 := openFS(t, dir, key), openFS(t, dir, key)
	var flushes atomic.Int32
	blob.SetFlushAll(n2, func(real func() error) error {
		flushes.Add(1)
		return nil
	})
	if _, err := n1.Put(t.Context(), []byte("written by node 1")); err != nil {
		t.Fatal(err)
	}
	if _, err := n2.Put(t.Context(), []byte("written by node 1")); err != nil {
		t.Fatal(err)
	}
	if err := n2.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if flushes.Load() != 1 {
		t.Fatalf("node 2 flushed %d times, want 1", flushes.Load())
	}
}

func TestFSWrongKey(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	k1, k2 := newKey(t), newKey(t)
	f1 := openFS(t, dir, k1)
	data := []byte("for key 1 only")
	id, err := f1.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := blob.NewFS(dir, k2); !errors.Is(err, blob.ErrWrongKey) {
		t.Fatalf("NewFS with another key = %v, want ErrWrongKey", err)
	}
	// Even with the keycheck gone, the other key reads nothing.
	if err := os.Remove(filepath.Join(dir, "keycheck")); err != nil {
		t.Fatal(err)
	}
	f2 := openFS(t, dir, k2)
	got, err := f2.Get(t.Context(), id)
	if !errors.Is(err, blob.ErrCorrupt) {
		t.Fatalf("Get with another key = %q, %v; want ErrCorrupt", got, err)
	}
	id2, err := f2.Put(t.Context(), data)
	if err != nil {
		t.Fatal(err)
	}
	if id2 == id {
		t.Fatalf("two keys name the same content alike")
	}
	if _, err := blob.NewFS(t.TempDir(), k1[:31]); err == nil {
		t.Fatalf("NewFS accepted a 31-byte key")
	}
}

func TestMemoryBadKeyPanics(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Fatal("NewMemory accepted a 16-byte key")
		}
	}()
	blob.NewMemory(make([]byte, 16))
}

func TestFSWalk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	f := openFS(t, dir, newKey(t))
	var want []blob.ID
	for i := range 30 {
		id, err := f.Put(t.Context(), []byte("blob "+strconv.Itoa(i)))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	slices.Sort(want)

	// Things that are not blobs: a write in progress, a temp file whose name
	// happens to end like an ID, a valid name in the wrong directory, stray
	// files and directories.
	leaf := filepath.Dir(blobPath(dir, want[0]))
	other := blob.ID(strings.Repeat("f", 64))
	if strings.HasPrefix(string(want[0]), "ffff") {
		other = blob.ID(strings.Repeat("e", 64))
	}
	mustWrite(t, filepath.Join(leaf, ".tmp-12345"), "partial")
	mustWrite(t, filepath.Join(leaf, "."+string(other)[1:]), "hidden")
	mustWrite(t, filepath.Join(leaf, string(other)), "misplaced")
	mustWrite(t, filepath.Join(dir, string(other)), "top level")
	mustWrite(t, filepath.Join(dir, "zz", "00", string(other)), "bad fan-out")
	mustWrite(t, filepath.Join(dir, "README"), "not a blob")

	var got []blob.ID
	if err := f.Walk(func(id blob.ID) error { got = append(got, id); return nil }); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Walk listed %d IDs %v\nwant %d %v", len(got), got, len(want), want)
	}

	stop := errors.New("stop")
	n := 0
	err := f.Walk(func(blob.ID) error {
		n++
		if n == 3 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) || n != 3 {
		t.Fatalf("Walk after fn error: %v after %d calls; want stop after 3", err, n)
	}
}

func mustWrite(t *testing.T, p, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestFSRemovesStaleTemp(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newKey(t)
	f := openFS(t, dir, key)
	id, err := f.Put(t.Context(), []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	leaf := filepath.Dir(blobPath(dir, id))
	old := time.Now().Add(-2 * time.Hour)
	for _, p := range []string{filepath.Join(leaf, ".tmp-old"), filepath.Join(dir, ".tmp-old")} {
		mustWrite(t, p, "crash leftover")
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	mustWrite(t, filepath.Join(leaf, ".tmp-young"), "a write in progress on another node")
	mustWrite(t, filepath.Join(leaf, ".other"), "not ours to remove")
	if err := os.Chtimes(filepath.Join(leaf, ".other"), old, old); err != nil {
		t.Fatal(err)
	}

	openFS(t, dir, key)
	for p, want := range map[string]bool{
		filepath.Join(leaf, ".tmp-old"):   false,
		filepath.Join(dir, ".tmp-old"):    false,
		filepath.Join(leaf, ".tmp-young"): true,
		filepath.Join(leaf, ".other"):     true,
		blobPath(dir, id):                 true,
	} {
		_, err := os.Stat(p)
		if got := err == nil; got != want {
			t.Errorf("%s exists = %v, want %v", p, got, want)
		}
	}
}

// TestFSInvalidIDsStayInside: hostile IDs touch nothing outside the store.
func TestFSInvalidIDsStayInside(t *testing.T) {
	t.Parallel()
	parent := t.TempDir()
	victim := filepath.Join(parent, "victim")
	mustWrite(t, victim, "precious")
	f := openFS(t, filepath.Join(parent, "store"), newKey(t))
	for _, id := range []string{"../victim", "../../victim", "../../../victim", "/" + victim, victim} {
		if err := f.Delete(t.Context(), blob.ID(id)); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidID", id, err)
		}
		if _, err := f.Get(t.Context(), blob.ID(id)); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Get(%q) = %v, want ErrInvalidID", id, err)
		}
	}
	if _, err := os.Stat(victim); err != nil {
		t.Fatalf("victim file: %v", err)
	}
}

// TestFSSyncGroups: concurrent Syncs share flushes, and a Sync with nothing
// new does not flush at all.
func TestFSSyncGroups(t *testing.T) {
	t.Parallel()
	f := openFS(t, t.TempDir(), newKey(t))
	var flushes atomic.Int32
	blob.SetFlushAll(f, func(real func() error) error {
		flushes.Add(1)
		time.Sleep(2 * time.Millisecond) // a flush takes time; let Syncs pile up
		if real == nil {
			return nil
		}
		return real()
	})
	const n = 50
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := f.Put(t.Context(), []byte("letter "+strconv.Itoa(i))); err != nil {
				t.Error(err)
				return
			}
			if err := f.Sync(t.Context()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got := flushes.Load()
	if got < 1 || got >= n {
		t.Fatalf("%d Syncs made %d flushes, want at least 1 and fewer than %d", n, got, n)
	}
	t.Logf("%d concurrent Put+Sync: %d flushes", n, got)

	if err := f.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if flushes.Load() != got {
		t.Fatalf("Sync with nothing pending flushed")
	}
	id, _ := f.Put(t.Context(), []byte("one more"))
	f.Sync(t.Context())
	if flushes.Load() != got+1 {
		t.Fatalf("Sync after a Put: %d flushes, want %d", flushes.Load(), got+1)
	}
	if err := f.Delete(t.Context(), id); err != nil {
		t.Fatal(err)
	}
	f.Sync(t.Context())
	if flushes.Load() != got+2 {
		t.Fatalf("Sync after a Delete did not flush")
	}
}

// TestFSPutDuringSync: a Put that completes while a flush runs is not lost: it
// is in the next flush, and a Sync called after it waits for that flush.
func TestFSPutDuringSync(t *testing.T) {
	t.Parallel()
	f := openFS(t, t.TempDir(), newKey(t))
	started := make(chan struct{}, 4)
	release := make(chan struct{})
	var flushes atomic.Int32
	blob.SetFlushAll(f, func(func() error) error {
		flushes.Add(1)
		started <- struct{}{}
		<-release
		return nil
	})

	if _, err := f.Put(t.Context(), []byte("x")); err != nil {
		t.Fatal(err)
	}
	first := make(chan error, 1)
	go func() { first <- f.Sync(t.Context()) }()
	<-started // flush 1 runs, covering x

	if _, err := f.Put(t.Context(), []byte("y")); err != nil {
		t.Fatal(err)
	}
	second := make(chan error, 1)
	go func() { second <- f.Sync(t.Context()) }()
	select {
	case err := <-second:
		t.Fatalf("Sync returned (%v) while the flush it depends on had not even started", err)
	case <-time.After(20 * time.Millisecond):
	}

	release <- struct{}{} // flush 1 done
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	<-started // flush 2, for y, started by the waiting Sync
	select {
	case err := <-second:
		t.Fatalf("Sync returned (%v) before its flush finished", err)
	case <-time.After(20 * time.Millisecond):
	}
	release <- struct{}{}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if flushes.Load() != 2 {
		t.Fatalf("%d flushes, want 2", flushes.Load())
	}
}

// TestFSSyncCanceledWhileWaiting: a Sync queued behind a flush gives up when
// its context ends.
func TestFSSyncCanceledWhileWaiting(t *testing.T) {
	t.Parallel()
	f := openFS(t, t.TempDir(), newKey(t))
	started := make(chan struct{}, 1)
	release := make(chan struct{})
	blob.SetFlushAll(f, func(func() error) error {
		started <- struct{}{}
		<-release
		return nil
	})
	f.Put(t.Context(), []byte("x"))
	done := make(chan error, 1)
	go func() { done <- f.Sync(t.Context()) }()
	<-started
	f.Put(t.Context(), []byte("y"))
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Millisecond)
	defer cancel()
	if err := f.Sync(ctx); err == nil {
		t.Fatal("Sync waiting behind a stuck flush returned nil after its context ended")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestFSSyncFailureIsFinal: after a failed flush no Sync succeeds again, since
// the kernel may have dropped the data while reporting the next flush clean.
func TestFSSyncFailureIsFinal(t *testing.T) {
	t.Parallel()
	f := openFS(t, t.TempDir(), newKey(t))
	var fail atomic.Bool
	fail.Store(true)
	blob.SetFlushAll(f, func(func() error) error {
		if fail.Load() {
			return syscall.EIO
		}
		return nil
	})
	f.Put(t.Context(), []byte("x"))
	if err := f.Sync(t.Context()); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync = %v, want EIO", err)
	}
	fail.Store(false)
	f.Put(t.Context(), []byte("y"))
	if err := f.Sync(t.Context()); !errors.Is(err, syscall.EIO) {
		t.Fatalf("Sync after a failed one = %v, want the EIO again", err)
	}
}
