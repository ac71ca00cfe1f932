package sqlite

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"syscall"
)

// Durability is pipelined. SQLite runs with synchronous=NORMAL, so COMMIT writes
// the group's WAL frames without waiting for the disk; the committer hands the
// group to the syncer and goes on with the next group while the syncer makes the
// WAL durable with fdatasync and only then answers the group's callers. One
// fdatasync may cover several groups. Nothing is reported as done before it is
// on disk; the committer no longer idles while the disk works.
//
// A committed group is visible to readers a few milliseconds before it is
// durable. A crash in that window loses it, and with it anything a reader
// derived from it in a later group (those are later in the same WAL, so they
// are lost as well); no caller was told that any of it succeeded.

type committed struct {
	batch   []*request
	results []error
}

// walSyncer makes the WAL file durable.
type walSyncer struct {
	path   string
	mu     sync.Mutex
	f      *os.File
	failed error // a failed fdatasync is final: later ones prove nothing
}

// sync fdatasyncs the WAL, reopening it when SQLite replaced the file.
func (w *walSyncer) sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.failed != nil {
		return w.failed
	}
	if err := w.open(); err != nil {
		return err
	}
	if w.f == nil {
		return nil
	}
	if err := datasync(w.f); err != nil {
		w.failed = fmt.Errorf("store: fdatasync %s: %w; restart the server", w.path, err)
		return w.failed
	}
	return nil
}

func (w *walSyncer) open() error {
	if w.f != nil {
		var a, b syscall.Stat_t
		if syscall.Fstat(int(w.f.Fd()), &a) == nil && syscall.Stat(w.path, &b) == nil && a.Ino == b.Ino && a.Dev == b.Dev {
			return nil
		}
		w.f.Close()
		w.f = nil
	}
	f, err := os.OpenFile(w.path, os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil // no WAL yet: nothing was written that needs syncing
	}
	if err != nil {
		return fmt.Errorf("store: open %s: %w", w.path, err)
	}
	w.f = f
	return nil
}

// err returns the failure that made the WAL untrustworthy, if any.
func (w *walSyncer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.failed
}

func (w *walSyncer) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.f == nil {
		return nil
	}
	return w.f.Close()
}

// syncLoop answers committed groups once the WAL is durable, coalescing all
// groups that are waiting into one fdatasync.
func (s *Store) syncLoop() {
	defer close(s.synced)
	for c := range s.commits {
		groups := []committed{c}
	more:
		for {
			select {
			case c2, ok := <-s.commits:
				if !ok {
					break more
				}
				groups = append(groups, c2)
			default:
				break more
			}
		}
		err := s.wal.sync()
		for _, g := range groups {
			for i, r := range g.batch {
				if err != nil {
					r.done <- err
				} else {
					r.done <- g.results[i]
				}
			}
		}
	}
}
