package main

import (
	"os"
	"syscall"
)

// fdatasync makes f's data durable, as the store's syncer does on Linux.
func fdatasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
