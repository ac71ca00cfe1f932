package blob

// Hooks for the external tests (package blob_test, which must be external to
// import blobtest without an import cycle).

// FlushFileByFile makes f fsync file by file, the path taken where there is no
// syncfs, so that it is tested on Linux too.
func FlushFileByFile(f *FS) { f.flushAll = nil }

// SetFlushAll replaces f's whole-file-system flush, to count flushes, hold one
// open, or make one fail. fn gets the real flush (nil outside Linux).
func SetFlushAll(f *FS, fn func(real func() error) error) {
	real := f.flushAll
	f.flushAll = func() error { return fn(real) }
}

// Overhead is the stored size minus the plaintext size.
const Overhead = overhead
