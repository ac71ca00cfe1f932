package store

import (
	"errors"
	"syscall"
)

// ErrFull wraps a write refused because the database's disk is full
// (SQLite's SQLITE_FULL, PostgreSQL's disk_full): nothing of it was
// committed, and the same write may succeed once space is freed, without a
// restart. Answered as 503 with the code insufficient_storage.
var ErrFull = errors.New("store: out of storage space")

// IsFull reports whether err is a write that failed for lack of space:
// ErrFull from a store, or ENOSPC or EDQUOT from a file written beside it (a
// blob, the trust list). Such a failure is temporary, and says so to the
// user, where another error is an internal one.
func IsFull(err error) bool {
	return errors.Is(err, ErrFull) || errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}
