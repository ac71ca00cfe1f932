package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/siegel-mail/siegel/internal/durable"
)

const (
	// tempPrefix starts the name of every file that is not (yet) a blob.
	// The leading dot keeps it out of Walk and of a casual ls.
	tempPrefix = ".tmp-"
	// staleAfter is how old a temporary file must be before NewFS removes it.
	// A Put holds its temporary file for milliseconds; an hour is far beyond
	// any live write, also one by another node sharing the folder, so only
	// crash leftovers are removed. File times come from the file system's
	// clock, so this is measured with the real clock, not an injected one.
	staleAfter = time.Hour
	// keyCheckName is the file that ties a folder to one master key.
	keyCheckName = "keycheck"
)

// FS is the filesystem blob store. It is safe for concurrent use, and several FS
// values, in one process or on several nodes, may share a folder as long as they
// share the master key. Close releases it.
type FS struct {
	dir  string
	keys *keys

	// flushAll flushes the whole file system holding dir in one call (syncfs
	// on Linux). Nil where there is none: Sync then fsyncs file by file.
	flushAll func() error
	release  func() error // releases what flushAll holds

	// sem admits one flush at a time. A channel rather than a mutex so that a
	// Sync waiting behind a running flush can give up when its ctx ends.
	sem chan struct{}

	mu      sync.Mutex
	pending pendingSet // files and directories changed since the last flush began
	seq     uint64     // counts changes noted in pending, ever
	durable uint64     // every change up to this one is durable
	failed  error      // the flush error that ended this FS's durability; sticky
}

// pendingSet is what a flush has to make durable.
type pendingSet struct {
	files map[string]struct{}
	dirs  map[string]struct{}
}

func (p *pendingSet) add(file string, dirs ...string) {
	if p.files == nil {
		p.files = make(map[string]struct{})
		p.dirs = make(map[string]struct{})
	}
	if file != "" {
		p.files[file] = struct{}{}
	}
	for _, d := range dirs {
		p.dirs[d] = struct{}{}
	}
}

func (p *pendingSet) merge(q pendingSet) {
	for f := range q.files {
		p.add(f)
	}
	for d := range q.dirs {
		p.add("", d)
	}
}

// NewFS opens the blob store in dir, creating the folder if needed. The first
// NewFS on a folder ties it to masterKey (the keycheck file); a later NewFS with
// another key fails with ErrWrongKey instead of writing a second, unreadable
// generation of blobs beside the first. It also removes temporary files older
// than an hour that a crash left behind, which reads every directory of the
// store once.
func NewFS(dir string, masterKey []byte) (*FS, error) {
	k, err := newKeys(masterKey)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	f := &FS{dir: dir, keys: k, sem: make(chan struct{}, 1)}
	if err := f.checkKey(); err != nil {
		return nil, err
	}
	if err := f.removeStale(time.Now().Add(-staleAfter)); err != nil {
		return nil, err
	}
	if f.flushAll, f.release, err = openFlusher(dir); err != nil {
		return nil, fmt.Errorf("blob: %w", err)
	}
	return f, nil
}

// Close releases the directory handle that Sync uses. It does not Sync.
func (f *FS) Close() error {
	if f.release == nil {
		return nil
	}
	return f.release()
}

// path is where blob id lives. id must be valid.
func (f *FS) path(id ID) string {
	return filepath.Join(f.dir, string(id[0:2]), string(id[2:4]), string(id))
}

// note records a change that the next flush must make durable.
func (f *FS) note(file string, dirs ...string) {
	f.mu.Lock()
	f.pending.add(file, dirs...)
	f.seq++
	f.mu.Unlock()
}

// Put stores data and returns its ID; see Store.
func (f *FS) Put(ctx context.Context, data []byte) (ID, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	id := f.keys.id(data)
	final := f.path(id)
	leaf := filepath.Dir(final)

	fi, err := os.Stat(final)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Size() == int64(len(data)+overhead):
		// Already there: its bytes are exactly the ones we would write
		// (deterministic sealing), and a wrong one would fail Get, not lie.
		// It is still noted for Sync: another node sharing the folder may
		// have written it and not flushed it yet, and our caller is about
		// to record the ID as soon as our Sync returns.
		f.note(final, leaf)
		return id, nil
	case err == nil:
		// Wrong size: a file torn by a crash between rename and flush
		// (ext4 can leave it empty). Replace it with the real one.
	case !errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("blob: put %s: %w", id, err)
	}

	sealed, err := f.keys.seal(id, data)
	if err != nil {
		return "", err
	}
	tmp, err := f.createTemp(leaf)
	if err != nil {
		return "", fmt.Errorf("blob: put %s: %w", id, err)
	}
	_, err = tmp.Write(sealed)
	if err == nil {
		// Durable before it has its name: another node sharing the folder
		// may find it under that name at once, take it as written (above),
		// and commit a letter that names it, while this node could still
		// crash with the bytes only in its own page cache. The rename itself
		// becomes durable with the next Sync.
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("blob: put %s: %w", id, err)
	}
	// Note before the rename, so that there is no moment in which the blob
	// is visible under its name (and a Put of the same content may return
	// at once, and its caller Sync) but missing from the pending set.
	f.note(final, leaf)
	if err := os.Rename(tmp.Name(), final); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("blob: put %s: %w", id, err)
	}
	return id, nil
}

// createTemp creates a temporary file in leaf, creating leaf and its parent
// first if this is the first blob with that prefix.
func (f *FS) createTemp(leaf string) (*os.File, error) {
	tmp, err := os.CreateTemp(leaf, tempPrefix+"*")
	if !errors.Is(err, fs.ErrNotExist) {
		return tmp, err
	}
	if err := os.MkdirAll(leaf, 0o700); err != nil {
		return nil, err
	}
	// New directories are entries in their parents, which must be flushed
	// too for the blob to be reachable after a crash.
	mid := filepath.Dir(leaf)
	f.note("", leaf, mid, f.dir)
	return os.CreateTemp(leaf, tempPrefix+"*")
}

// Get returns the verified plaintext of blob id; see Store.
func (f *FS) Get(ctx context.Context, id ID) ([]byte, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, notFound(id)
	}
	if err != nil {
		return nil, fmt.Errorf("blob: get %s: %w", id, err)
	}
	return f.keys.open(id, b)
}

// Stat returns the stored size of blob id; see Store.
func (f *FS) Stat(ctx context.Context, id ID) (int64, error) {
	if err := checkID(id); err != nil {
		return 0, err
	}
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	fi, err := os.Stat(f.path(id))
	if errors.Is(err, fs.ErrNotExist) {
		return 0, notFound(id)
	}
	if err != nil {
		return 0, fmt.Errorf("blob: stat %s: %w", id, err)
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%w: %s: not a regular file", ErrCorrupt, id)
	}
	return fi.Size(), nil
}

// Delete removes blob id; see Store. The removal becomes durable with the next
// Sync, which matters for final deletion as much as writes do for acceptance.
func (f *FS) Delete(ctx context.Context, id ID) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	p := f.path(id)
	err := os.Remove(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("blob: delete %s: %w", id, err)
	}
	f.note("", filepath.Dir(p))
	return nil
}

// Sync makes every change this FS made before the call durable; see Store and
// the package comment ("Durability").
//
// Flushes run one at a time. A Sync takes the whole pending set under the
// mutex and flushes it; Puts that note their file after that swap land in the
// next set, never in none. A Sync that finds a flush already running waits for
// it; if that flush covered everything the Sync needs (the changes up to the
// count it saw on entry), it returns without a flush of its own. Otherwise the
// first waiter flushes everything pending for all the others: grouped commit.
func (f *FS) Sync(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	target, done, failed := f.seq, f.durable >= f.seq, f.failed
	f.mu.Unlock()
	if failed != nil {
		return syncFailed(failed)
	}
	if done {
		return nil
	}

	select {
	case f.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-f.sem }()

	f.mu.Lock()
	if f.failed != nil {
		err := f.failed
		f.mu.Unlock()
		return syncFailed(err)
	}
	if f.durable >= target {
		f.mu.Unlock()
		return nil
	}
	set, upTo := f.pending, f.seq
	f.pending = pendingSet{}
	f.mu.Unlock()

	final, err := f.flush(set)

	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case err == nil:
		f.durable = upTo
		return nil
	case final:
		f.failed = err
		return syncFailed(err)
	default:
		// Nothing was flushed that could have lost data (say, too many open
		// files): give the set back for the next Sync to retry.
		f.pending.merge(set)
		return fmt.Errorf("blob: sync: %w", err)
	}
}

func syncFailed(err error) error {
	return fmt.Errorf("blob: sync failed, so blobs written since may not be on disk; restart to recover: %w", err)
}

// flush makes set durable. final reports an error from the flush itself
// (fsync, syncfs), after which no retry can be trusted.
func (f *FS) flush(set pendingSet) (final bool, err error) {
	if len(set.files) == 0 && len(set.dirs) == 0 {
		return false, nil
	}
	if f.flushAll != nil {
		// One call for every blob of every Put in the set, however many:
		// the point of grouping.
		if err := f.flushAll(); err != nil {
			return true, err
		}
		return false, nil
	}
	for file := range set.files {
		if final, err := fsyncPath(file); err != nil {
			return final, err
		}
	}
	for dir := range set.dirs {
		if final, err := fsyncPath(dir); err != nil {
			return final, err
		}
	}
	return false, nil
}

// fsyncPath fsyncs one file or directory. A file deleted since it was noted
// needs no flush (its removal is noted on its directory).
func fsyncPath(p string) (final bool, err error) {
	fh, err := os.Open(p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return false, err
	}
	// See syncDir: Windows cannot flush a directory handle.
	if fi.IsDir() && runtime.GOOS == "windows" {
		return false, nil
	}
	if err := fh.Sync(); err != nil {
		return true, err
	}
	return false, nil
}

// Walk calls fn with the ID of every stored blob, in lexical order, and stops at
// fn's first error, returning it. Temporary files and anything else that is not
// a blob in its proper place are skipped. Blobs Put or deleted during the walk
// may or may not be seen.
func (f *FS) Walk(fn func(ID) error) error {
	return f.eachLeaf(func(leaf, prefix string) error {
		ents, err := os.ReadDir(leaf)
		if err != nil {
			return fmt.Errorf("blob: walk: %w", err)
		}
		for _, e := range ents {
			name := e.Name()
			// A valid name in the wrong directory is not reachable by
			// Get, so it is not a blob of this store.
			if !e.Type().IsRegular() || !ValidID(name) || name[:4] != prefix {
				continue
			}
			if err := fn(ID(name)); err != nil {
				return err
			}
		}
		return nil
	})
}

// eachLeaf calls fn for every leaf directory dir/ab/cd, with its prefix "abcd".
func (f *FS) eachLeaf(fn func(leaf, prefix string) error) error {
	tops, err := os.ReadDir(f.dir)
	if err != nil {
		return fmt.Errorf("blob: walk: %w", err)
	}
	for _, a := range tops {
		if !a.IsDir() || !isHex2(a.Name()) {
			continue
		}
		mid := filepath.Join(f.dir, a.Name())
		subs, err := os.ReadDir(mid)
		if err != nil {
			return fmt.Errorf("blob: walk: %w", err)
		}
		for _, b := range subs {
			if !b.IsDir() || !isHex2(b.Name()) {
				continue
			}
			if err := fn(filepath.Join(mid, b.Name()), a.Name()+b.Name()); err != nil {
				return err
			}
		}
	}
	return nil
}

func isHex2(s string) bool {
	return len(s) == 2 && isHexDigit(s[0]) && isHexDigit(s[1])
}

// removeStale removes temporary files last modified before cutoff: the
// leftovers of Puts interrupted by a crash.
func (f *FS) removeStale(cutoff time.Time) error {
	clean := func(dir string) error {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("blob: clean up: %w", err)
		}
		for _, e := range ents {
			if !e.Type().IsRegular() || !strings.HasPrefix(e.Name(), tempPrefix) {
				continue
			}
			fi, err := e.Info()
			if err != nil || !fi.ModTime().Before(cutoff) {
				continue // gone meanwhile, or still young
			}
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("blob: clean up: %w", err)
			}
		}
		return nil
	}
	if err := clean(f.dir); err != nil {
		return err
	}
	return f.eachLeaf(func(leaf, _ string) error { return clean(leaf) })
}

// checkKey ties the folder to the master key: the first NewFS writes a keycheck
// file derived from the key (which reveals nothing about it), later ones compare.
func (f *FS) checkKey() error {
	p := filepath.Join(f.dir, keyCheckName)
	want := []byte("siegel blob keycheck v1 " + f.keys.keyCheck + "\n")
	got, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		if err := f.writeKeyCheck(p, want); err != nil {
			return fmt.Errorf("blob: write keycheck: %w", err)
		}
		// Read back: two nodes creating the folder at the same moment with
		// different keys would otherwise each believe the folder theirs.
		got, err = os.ReadFile(p)
	}
	if err != nil {
		return fmt.Errorf("blob: read keycheck: %w", err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%w: %s", ErrWrongKey, f.dir)
	}
	return nil
}

// writeKeyCheck writes the keycheck file durably, once per folder's life, by
// the same temp-and-rename as a blob: its bytes are deterministic too.
func (f *FS) writeKeyCheck(p string, content []byte) error {
	tmp, err := os.CreateTemp(f.dir, tempPrefix+"*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(content)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), p)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return durable.SyncDir(f.dir)
}
