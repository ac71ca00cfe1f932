//go:build !linux

package sqlite

import "os"

// datasync flushes a file; without fdatasync, a full fsync.
func datasync(f *os.File) error { return f.Sync() }
