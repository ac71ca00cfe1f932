package chaos

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// The full-disk test puts each provider's data folder (its SQLite database
// and its blob folder) on a small file system of its own: a tmpfs the test
// mounts. Root mounts it directly (as .ci/run does, as root); anyone else
// runs the test again inside a user and mount namespace of its own
// (`unshare --user --map-root-user --mount`), where mounting a tmpfs needs
// no privilege, and only that test process and its children see it.
//
// With -chaos.fs=ext4 (root only) it is ext4 on a loop device over a file
// instead: a disk file system, whose fsync and syncfs do reach a disk, and
// whose blocks run out as a real disk's do.

var flagFS = flag.String("chaos.fs", "tmpfs", "the full-disk test's file system: tmpfs, or ext4 on a loop device (root only)")

// nsEnv marks the test process that runs inside such a namespace; set to
// "force", it makes root take that way too (to test it).
const nsEnv = "SIEGEL_CHAOS_USERNS"

// canMount reports whether this process may mount a tmpfs, and if not, why.
func canMount(t *testing.T) error {
	dir := t.TempDir()
	if *flagFS == "ext4" {
		if _, err := exec.LookPath("mkfs.ext4"); err != nil || os.Geteuid() != 0 {
			skipOrFail(t, "-chaos.fs=ext4 needs root and mkfs.ext4 (e2fsprogs)")
		}
		return nil
	}
	if os.Getenv(nsEnv) == "force" {
		return errors.New("forced into a namespace of its own by " + nsEnv + "=force")
	}
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size=1m,mode=0700"); err != nil {
		return fmt.Errorf("mount -t tmpfs: %w", err)
	}
	return syscall.Unmount(dir, 0)
}

// smallFS mounts a tmpfs of size bytes on a new folder and returns the
// folder; it is unmounted when the test ends (after the processes using it
// were stopped: cleanups run last first).
func smallFS(t *testing.T, name string, size int64) string {
	dir := filepath.Join(t.TempDir(), name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if *flagFS == "ext4" {
		// No blocks reserved for root (-m 0): siegel serve runs as root
		// in CI, and would write on into them.
		img := dir + ".img"
		for _, c := range [][]string{{"truncate", "-s", fmt.Sprint(size), img}, {"mkfs.ext4", "-q", "-m", "0", img},
			{"mount", "-o", "loop", img, dir}} {
			if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
				t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
			}
		}
	} else if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, fmt.Sprintf("size=%d,mode=0700", size)); err != nil {
		t.Fatalf("mount a tmpfs of %d MiB on %s: %v", size>>20, dir, err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Logf("unmount %s: %v; detaching it", dir, err)
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// inNamespace runs the test t again in a user and mount namespace of its
// own, where it can mount, and takes that run's outcome as t's. It skips t,
// or fails it when CI is set, when that cannot be done either.
func inNamespace(t *testing.T, why error) {
	if os.Getenv(nsEnv) == "1" {
		skipOrFail(t, fmt.Sprintf("cannot make a small file system for the data folders, even in a namespace of its own: %v", why))
	}
	unshare, err := exec.LookPath("unshare")
	if err == nil {
		probe := exec.Command(unshare, "--user", "--map-root-user", "--mount", "true")
		if out, perr := probe.CombinedOutput(); perr != nil {
			err = fmt.Errorf("unshare --user --map-root-user --mount: %v: %s", perr, strings.TrimSpace(string(out)))
		}
	}
	if err != nil {
		skipOrFail(t, fmt.Sprintf("cannot make a small file system for the data folders here: %v; and %v", why, err))
	}
	args := []string{"--user", "--map-root-user", "--mount", os.Args[0], "-test.run=^" + t.Name() + "$", "-test.v",
		"-test.timeout=0"}
	flag.Visit(func(f *flag.Flag) {
		if strings.HasPrefix(f.Name, "chaos.") {
			args = append(args, "-"+f.Name+"="+f.Value.String())
		}
	})
	t.Logf("%v: running %s in a user and mount namespace of its own", why, t.Name())
	cmd := exec.CommandContext(t.Context(), unshare, args...)
	cmd.Env = append(os.Environ(), nsEnv+"=1")
	out, err := cmd.CombinedOutput()
	t.Logf("the run in the namespace:\n%s", out)
	switch {
	case err != nil:
		t.Fatalf("%s in the namespace: %v", t.Name(), err)
	case strings.Contains(string(out), "--- SKIP: "+t.Name()):
		t.Skip("skipped in the namespace")
	case !strings.Contains(string(out), "--- PASS: "+t.Name()):
		t.Fatalf("%s in the namespace did not pass", t.Name())
	}
}

// skipOrFail skips t with msg, or fails it when CI is set: CI has what the
// test needs, and a skip there would hide that it stopped running.
func skipOrFail(t *testing.T, msg string) {
	if os.Getenv("CI") != "" {
		t.Fatal(msg + " (CI is set: failing instead of skipping)")
	}
	t.Skip(msg)
}

// fill writes a file at path until the file system holding it is full, and
// returns how many bytes it wrote.
func fill(path string) (int64, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var total int64
	// Large pieces first, then small ones into what is left.
	for _, size := range []int{1 << 20, 4 << 10, 512} {
		buf := make([]byte, size)
		for {
			n, err := f.Write(buf)
			total += int64(n)
			if errors.Is(err, syscall.ENOSPC) {
				break
			}
			if err != nil {
				return total, err
			}
		}
	}
	return total, nil
}

// freeBytes is the space left on the file system holding dir.
func freeBytes(dir string) int64 {
	var st syscall.Statfs_t
	if syscall.Statfs(dir, &st) != nil {
		return -1
	}
	return int64(st.Bavail) * st.Bsize
}
