package blob

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/siegel-mail/siegel/internal/durable"
)

// NewKey returns a new random master key of KeySize bytes.
func NewKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("blob: new key: %w", err)
	}
	return k, nil
}

// LoadKey reads a master key file: exactly KeySize raw bytes. It refuses a file
// that group or others may read or write, because whoever reads the key reads
// every letter; and a file of the wrong length, which is a truncated write or the
// wrong file, never something to pad or cut.
func LoadKey(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("blob: load key: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("blob: load key: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("blob: load key %s: not a regular file", path)
	}
	// Windows has no such permission bits (Go reports 0666 or 0444 there);
	// access is governed by ACLs we do not inspect.
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("blob: load key %s: mode %04o lets group or others access it; chmod 600", path, perm)
	}
	// Read one byte more than a key, so that a long file is caught without
	// reading all of it.
	k, err := io.ReadAll(io.LimitReader(f, KeySize+1))
	if err != nil {
		return nil, fmt.Errorf("blob: load key: %w", err)
	}
	if len(k) != KeySize {
		return nil, fmt.Errorf("blob: load key %s: want exactly %d bytes, file has %s", path, KeySize, sizeWords(len(k)))
	}
	return k, nil
}

func sizeWords(n int) string {
	if n > KeySize {
		return "more"
	}
	return fmt.Sprintf("%d", n)
}

// WriteKey writes a new master key file with mode 0600 and makes it durable. It
// refuses to overwrite an existing file: replacing a master key makes every blob
// written under the old one unreadable.
func WriteKey(path string, key []byte) (err error) {
	if len(key) != KeySize {
		return fmt.Errorf("blob: write key: key has %d bytes, want %d", len(key), KeySize)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("blob: write key %s: file exists; refusing to replace a master key", path)
		}
		return fmt.Errorf("blob: write key: %w", err)
	}
	defer func() {
		if err != nil {
			// A partial key file would only be refused later by LoadKey;
			// better to leave nothing behind.
			os.Remove(path)
		}
	}()
	if _, err := f.Write(key); err != nil {
		f.Close()
		return fmt.Errorf("blob: write key: %w", err)
	}
	// Losing the key loses every blob, so the key must be on disk before
	// anything is encrypted with it: the file's content and its directory entry.
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("blob: write key: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("blob: write key: %w", err)
	}
	if err := durable.SyncDir(filepath.Dir(path)); err != nil {
		return fmt.Errorf("blob: write key: %w", err)
	}
	return nil
}
