package blob

import (
	"os"

	"golang.org/x/sys/unix"
)

// openFlusher returns a function that flushes the whole file system holding dir
// with one syncfs(2): one flush for any number of new blobs, which is what makes
// grouped Syncs cheap.
//
// The directory stays open for the life of the FS on purpose. Since Linux 5.8
// syncfs reports writeback errors that happened since the file descriptor was
// opened (or since its last syncfs). A descriptor opened fresh for each Sync
// would miss a failure of background writeback that came between a Put and
// its Sync, and report success for a blob that is not on disk.
func openFlusher(dir string) (flush, release func() error, err error) {
	d, err := os.Open(dir)
	if err != nil {
		return nil, nil, err
	}
	rc, err := d.SyscallConn()
	if err != nil {
		d.Close()
		return nil, nil, err
	}
	flush = func() error {
		var serr error
		if err := rc.Control(func(fd uintptr) { serr = unix.Syncfs(int(fd)) }); err != nil {
			return err
		}
		if serr != nil {
			return &os.PathError{Op: "syncfs", Path: dir, Err: serr}
		}
		return nil
	}
	return flush, d.Close, nil
}
