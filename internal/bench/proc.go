package bench

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// What the bench reads of a provider process from Linux's /proc (proc(5)):
// its resident memory from /proc/PID/status, its CPU time from
// /proc/PID/stat, and, to find the process behind a URL, the listening
// sockets of /proc/net/tcp{,6} and the descriptors of /proc/*/fd.

// clockTicks is USER_HZ, the unit of utime and stime in /proc/PID/stat. The
// kernel exports 100 to user space on every architecture Go runs Linux on
// (sysconf(_SC_CLK_TCK)); Go has no sysconf without cgo.
const clockTicks = 100

// ProcMem is a process's resident memory, from /proc/PID/status.
type ProcMem struct {
	RSS  int64 // VmRSS, bytes
	Peak int64 // VmHWM: the highest RSS since the process started, bytes
}

// parseStatus reads VmRSS and VmHWM from the text of /proc/PID/status.
func parseStatus(b []byte) (ProcMem, error) {
	var m ProcMem
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		f := strings.Fields(rest)
		if len(f) != 2 || f[1] != "kB" {
			return ProcMem{}, fmt.Errorf("proc status: %s: want \"N kB\", have %q", name, rest)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil || n < 0 || n > 1<<40 {
			return ProcMem{}, fmt.Errorf("proc status: %s: bad number %q", name, f[0])
		}
		if name == "VmRSS" {
			m.RSS = n << 10
		} else {
			m.Peak = n << 10
		}
		found++
	}
	if found < 2 {
		return ProcMem{}, errors.New("proc status: no VmRSS and VmHWM (a kernel thread, or not Linux)")
	}
	return m, nil
}

// parseStatCPU returns utime+stime, in clock ticks, from the text of
// /proc/PID/stat. The command name (field 2) is in parentheses and may hold
// spaces and parentheses itself, so the fields are counted from the last ')'.
func parseStatCPU(b []byte) (int64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("proc stat: no command name")
	}
	f := strings.Fields(string(b[i+1:]))
	// After the name: state is field 3, utime field 14, stime field 15.
	if len(f) < 13 {
		return 0, fmt.Errorf("proc stat: %d fields after the name, want at least 13", len(f))
	}
	var sum int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			return 0, fmt.Errorf("proc stat: bad CPU time %q", s)
		}
		sum += n
	}
	return sum, nil
}

// readProc reads one process's memory and CPU time (in seconds).
func readProc(pid int) (ProcMem, float64, error) {
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	st, err := os.ReadFile(filepath.Join(dir, "status"))
	if err != nil {
		return ProcMem{}, 0, err
	}
	m, err := parseStatus(st)
	if err != nil {
		return ProcMem{}, 0, err
	}
	sb, err := os.ReadFile(filepath.Join(dir, "stat"))
	if err != nil {
		return ProcMem{}, 0, err
	}
	ticks, err := parseStatCPU(sb)
	if err != nil {
		return ProcMem{}, 0, err
	}
	return m, float64(ticks) / clockTicks, nil
}

// listenInodes returns the socket inodes listening on port, from the text
// of /proc/net/tcp or /proc/net/tcp6 (any local address).
func listenInodes(b []byte, port int) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	first := true
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if first { // the column titles
			first = false
			continue
		}
		// sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
		if len(f) < 10 {
			return nil, fmt.Errorf("proc net tcp: %d fields, want at least 10", len(f))
		}
		_, hexPort, ok := strings.Cut(f[1], ":")
		p, err := strconv.ParseUint(hexPort, 16, 16)
		if !ok || err != nil {
			return nil, fmt.Errorf("proc net tcp: bad local address %q", f[1])
		}
		const listen = "0A" // TCP_LISTEN in the kernel's tcp_states.h
		if int(p) == port && f[3] == listen && f[9] != "0" {
			out = append(out, f[9])
		}
	}
	return out, sc.Err()
}

// PIDOfPort finds the process listening on TCP port on this machine: the
// socket's inode from /proc/net/tcp{,6}, then the process holding a
// descriptor to it. It needs the right to read other processes' fd folders
// (the same user, or root).
func PIDOfPort(port int) (int, error) {
	inodes := map[string]bool{}
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(name)
		if errors.Is(err, os.ErrNotExist) {
			continue
		} else if err != nil {
			return 0, err
		}
		ins, err := listenInodes(b, port)
		if err != nil {
			return 0, err
		}
		for _, in := range ins {
			inodes["socket:["+in+"]"] = true
		}
	}
	if len(inodes) == 0 {
		return 0, fmt.Errorf("no process listens on port %d here", port)
	}
	fds, _ := filepath.Glob("/proc/[0-9]*/fd/*")
	for _, fd := range fds {
		if link, err := os.Readlink(fd); err == nil && inodes[link] {
			pid, err := strconv.Atoi(strings.Split(fd, "/")[2])
			if err == nil {
				return pid, nil
			}
		}
	}
	return 0, fmt.Errorf("port %d: the listening process is not readable here (run as its user or root, or give the PID)", port)
}
