// Package blobtest is the conformance suite every blob.Store implementation must
// pass (DESIGN "Tests": one suite, every implementation). It checks behaviour
// only through the Store interface; what only one implementation can show
// (tampered files, layout) belongs in that implementation's own tests.
package blobtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"testing"

	"github.com/siegel-mail/siegel/internal/blob"
)

// Run runs the suite. open must return a new, empty store for each call; it gets
// the subtest's t, so it can use t.TempDir and t.Cleanup. Subtests call
// t.Parallel, so open must be safe to call concurrently.
func Run(t *testing.T, open func(t *testing.T) blob.Store) {
	tests := []struct {
		name string
		fn   func(*testing.T, blob.Store)
	}{
		{"RoundTrip", testRoundTrip},
		{"SameContentSameID", testSameContent},
		{"DifferentContentDifferentID", testDifferentContent},
		{"IDIsKeyed", testIDIsKeyed},
		{"GetUnknown", testGetUnknown},
		{"InvalidIDs", testInvalidIDs},
		{"Delete", testDelete},
		{"Stat", testStat},
		{"NoAliasing", testNoAliasing},
		{"ConcurrentPutSync", testConcurrentPutSync},
		{"ConcurrentSameContent", testConcurrentSameContent},
		{"CanceledContext", testCanceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

func randomBytes(t testing.TB, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// put stores data and syncs, failing the test on error.
func put(t *testing.T, s blob.Store, data []byte) blob.ID {
	t.Helper()
	id, err := s.Put(t.Context(), data)
	if err != nil {
		t.Fatalf("Put(%d bytes): %v", len(data), err)
	}
	if !blob.ValidID(string(id)) {
		t.Fatalf("Put returned invalid ID %q", id)
	}
	return id
}

func mustGet(t *testing.T, s blob.Store, id blob.ID, want []byte) {
	t.Helper()
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatalf("Get(%s): %v", id, err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("Get(%s) = %d bytes, not the %d bytes put", id, len(got), len(want))
	}
}

func testRoundTrip(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 1, 5 << 10, 3 << 20} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			data := randomBytes(t, n)
			id := put(t, s, data)
			if err := s.Sync(t.Context()); err != nil {
				t.Fatalf("Sync: %v", err)
			}
			mustGet(t, s, id, data)
		})
	}
}

func testSameContent(t *testing.T, s blob.Store) {
	data := []byte("Sehr geehrte Damen und Herren,\r\nanbei die Zustellung.\r\n")
	id1 := put(t, s, data)
	id2 := put(t, s, bytes.Clone(data))
	if id1 != id2 {
		t.Fatalf("same content, different IDs: %s, %s", id1, id2)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	id3 := put(t, s, data) // after a Sync too
	if id3 != id1 {
		t.Fatalf("same content after Sync, different ID: %s, %s", id1, id3)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, id1, data)
}

func testDifferentContent(t *testing.T, s blob.Store) {
	seen := make(map[blob.ID]string)
	for _, c := range []string{"", "a", "b", "ab", "ba", "a\x00", strings.Repeat("x", 4096)} {
		id := put(t, s, []byte(c))
		if prev, ok := seen[id]; ok {
			t.Fatalf("%q and %q share ID %s", prev, c, id)
		}
		seen[id] = c
	}
	for id, c := range seen {
		mustGet(t, s, id, []byte(c))
	}
}

// testIDIsKeyed: an ID must not be the plain SHA-256 of the content, or anyone
// who can list the store could confirm a guessed letter.
func testIDIsKeyed(t *testing.T, s blob.Store) {
	data := []byte("guessable content")
	id := put(t, s, data)
	sum := sha256.Sum256(data)
	if string(id) == hex.EncodeToString(sum[:]) {
		t.Fatalf("ID is the unkeyed SHA-256 of the content")
	}
}

func testGetUnknown(t *testing.T, s blob.Store) {
	put(t, s, []byte("something else"))
	for _, id := range []blob.ID{
		blob.ID(strings.Repeat("0", 64)),
		blob.ID(hex.EncodeToString(randomBytes(t, 32))),
	} {
		if _, err := s.Get(t.Context(), id); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(unknown %s) = %v, want ErrNotFound", id, err)
		}
		if _, err := s.Stat(t.Context(), id); !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Stat(unknown %s) = %v, want ErrNotFound", id, err)
		}
	}
}

func testInvalidIDs(t *testing.T, s blob.Store) {
	good := put(t, s, []byte("a good blob"))
	bad := []string{
		"",
		"../../etc/passwd",
		"../../../../../../../../../../../../../../../../../../../../etc/passwd",
		strings.ToUpper(string(good)),
		string(good[:63]),
		string(good) + "0",
		string(good[:62]) + "/.",
		string(good[:62]) + "..",
		string(good[:63]) + "g",
		string(good[:63]) + "\x00",
		"/" + string(good[1:]),
		" " + string(good[1:]),
		string(good[:2]) + "/" + string(good[3:]),
		"..",
		".",
	}
	for _, b := range bad {
		id := blob.ID(b)
		if blob.ValidID(b) {
			t.Fatalf("ValidID(%q) = true", b)
		}
		if _, err := s.Get(t.Context(), id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Get(%q) = %v, want ErrInvalidID", b, err)
		}
		if _, err := s.Stat(t.Context(), id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Stat(%q) = %v, want ErrInvalidID", b, err)
		}
		if err := s.Delete(t.Context(), id); !errors.Is(err, blob.ErrInvalidID) {
			t.Errorf("Delete(%q) = %v, want ErrInvalidID", b, err)
		}
	}
	// None of that touched the good blob.
	mustGet(t, s, good, []byte("a good blob"))
}

func testDelete(t *testing.T, s blob.Store) {
	data := []byte("to be deleted")
	keep := []byte("to be kept")
	id := put(t, s, data)
	keepID := put(t, s, keep)
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(t.Context(), id); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, err := s.Get(t.Context(), id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Get after Delete = %v, want ErrNotFound", err)
	}
	if _, err := s.Stat(t.Context(), id); !errors.Is(err, blob.ErrNotFound) {
		t.Fatalf("Stat after Delete = %v, want ErrNotFound", err)
	}
	if err := s.Delete(t.Context(), id); err != nil {
		t.Fatalf("second Delete: %v (must be idempotent)", err)
	}
	if err := s.Delete(t.Context(), blob.ID(strings.Repeat("ab", 32))); err != nil {
		t.Fatalf("Delete of a never stored blob: %v", err)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, keepID, keep)
	// The same content can be stored again, under the same name.
	if again := put(t, s, data); again != id {
		t.Fatalf("Put after Delete: ID %s, was %s", again, id)
	}
	mustGet(t, s, id, data)
}

func testStat(t *testing.T, s blob.Store) {
	for _, n := range []int{0, 1, 5 << 10} {
		data := randomBytes(t, n)
		id := put(t, s, data)
		size, err := s.Stat(t.Context(), id)
		if err != nil {
			t.Fatalf("Stat: %v", err)
		}
		if size < int64(n) {
			t.Errorf("Stat of %d-byte blob = %d, less than the content", n, size)
		}
		// The same content gives the same size, a different one of the same
		// length too: the stored size depends on the length only.
		id2 := put(t, s, randomBytes(t, n))
		if n > 0 {
			if size2, err := s.Stat(t.Context(), id2); err != nil || size2 != size {
				t.Errorf("Stat of another %d-byte blob = %d, %v; want %d", n, size2, err, size)
			}
		}
	}
}

// testNoAliasing: a store keeps its own bytes; neither the slice given to Put
// nor the one returned by Get is shared with it.
func testNoAliasing(t *testing.T, s blob.Store) {
	data := []byte("immutable once written")
	orig := bytes.Clone(data)
	id := put(t, s, data)
	data[0] = 'X'
	got, err := s.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, orig) {
		t.Fatalf("changing the Put buffer changed the blob")
	}
	got[0] = 'Y'
	mustGet(t, s, id, orig)
}

func testConcurrentPutSync(t *testing.T, s blob.Store) {
	const n = 50
	ids := make([]blob.ID, n)
	datas := make([][]byte, n)
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		datas[i] = randomBytes(t, 1+mrand.IntN(8<<10))
		wg.Go(func() {
			id, err := s.Put(t.Context(), datas[i])
			if err != nil {
				errs <- fmt.Errorf("put %d: %w", i, err)
				return
			}
			ids[i] = id
			// Every third writer syncs as it goes, like concurrent letter
			// accepts do; the others rely on the Sync below.
			if i%3 == 0 {
				if err := s.Sync(t.Context()); err != nil {
					errs <- fmt.Errorf("sync %d: %w", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("Sync: %v", err)
	}
	if err := s.Sync(t.Context()); err != nil {
		t.Fatalf("second Sync with nothing pending: %v", err)
	}
	for i := range n {
		mustGet(t, s, ids[i], datas[i])
	}
}

func testConcurrentSameContent(t *testing.T, s blob.Store) {
	const n = 50
	data := randomBytes(t, 64<<10)
	ids := make([]blob.ID, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ids[i], errs[i] = s.Put(t.Context(), data)
			if errs[i] == nil {
				errs[i] = s.Sync(t.Context())
			}
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("goroutine %d: %v", i, errs[i])
		}
		if ids[i] != ids[0] {
			t.Fatalf("goroutine %d got ID %s, goroutine 0 %s", i, ids[i], ids[0])
		}
	}
	mustGet(t, s, ids[0], data)
}

func testCanceled(t *testing.T, s blob.Store) {
	id := put(t, s, []byte("stored before"))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := s.Put(ctx, []byte("never stored")); !errors.Is(err, context.Canceled) {
		t.Errorf("Put with canceled context = %v, want context.Canceled", err)
	}
	if _, err := s.Get(ctx, id); !errors.Is(err, context.Canceled) {
		t.Errorf("Get with canceled context = %v, want context.Canceled", err)
	}
	if err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sync with canceled context = %v, want context.Canceled", err)
	}
	mustGet(t, s, id, []byte("stored before"))
}
