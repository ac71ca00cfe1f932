// Package durable holds the two file-system habits that keep a provider's
// and an authority's folders consistent across crashes and concurrent
// commands: flushing a directory so that the names created in it survive a
// power cut (a file's fsync does not cover its name), and taking a folder's
// exclusive lock, waiting a moment for another command to finish.
package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"syscall"
	"time"
)

// SyncDir flushes a directory, making the names created or renamed in it
// durable. Windows cannot flush a directory handle, and NTFS journals its
// metadata anyway, so there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Lock takes an exclusive lock on the file at path (created if needed),
// trying for up to wait before it reports the lock as held. A lock just
// released can stay held for a moment: a process that forks (to run a
// program) shares its open files with the child until the child executes.
// Closing the returned file releases the lock.
func Lock(path string, mode os.FileMode, wait time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, mode)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait) // a wait, not a timestamp: the wall clock is right here
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if err != syscall.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			return nil, fmt.Errorf("%s is held: %w", path, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// ReplaceFile replaces (or creates) a file durably and atomically: the data
// goes to a flushed temporary file in the same folder (WriteTemp), which is
// renamed over path; then the folder is flushed. A reader sees the old
// content or the new, never a mix.
func ReplaceFile(path string, data []byte, mode os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := WriteTemp(dir, filepath.Base(path), data, mode)
	if err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return SyncDir(dir)
}

// WriteTemp writes data to a flushed temporary file in dir, named after
// base, with mode set explicitly (so the umask cannot loosen a key's), and
// returns its name; the caller renames or links it into place.
func WriteTemp(dir, base string, data []byte, mode os.FileMode) (string, error) {
	f, err := os.CreateTemp(dir, ".tmp-"+base+"-*")
	if err != nil {
		return "", err
	}
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}
