// Package blackbox runs the built siegel binary for black-box tests: it
// builds the binary, runs its verbs as processes of their own (stopped with
// SIGTERM as an init system does, or killed with SIGKILL as a power cut
// does), and sets up a federation the way its operators would, with
// `siegel authority …`, `siegel init` and `siegel serve` in temporary
// folders on loopback (federation.go). The tests of cmd/siegel and the
// crash tests under test/ share it; only tests import it.
package blackbox

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Build builds the siegel command into a folder of t's and returns its path.
func Build(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "siegel")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/siegel-mail/siegel/cmd/siegel").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Process is a long-running siegel verb.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start runs bin with args, its standard output and error appended to
// logPath, and returns once standard output matches ready, with the match's
// first group. The process is killed when t ends.
func Start(t testing.TB, bin, logPath string, ready *regexp.Regexp, args ...string) (*Process, string) {
	t.Helper()
	p, url, err := TryStart(t, bin, logPath, ready, args...)
	if err != nil {
		t.Fatal(err)
	}
	return p, url
}

// TryStart is Start, returning what went wrong instead of failing t: for a
// caller that counts failed starts, or runs outside the test's goroutine.
func TryStart(t testing.TB, bin, logPath string, ready *regexp.Regexp, args ...string) (*Process, string, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, "", err
	}
	fmt.Fprintf(logf, "=== %s siegel %s\n", time.Now().Format(time.TimeOnly), strings.Join(args, " "))
	var out SyncBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = io.MultiWriter(&out, logf), logf
	if err := cmd.Start(); err != nil {
		logf.Close()
		return nil, "", err
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go func() { p.err = cmd.Wait(); logf.Close(); close(p.done) }()
	t.Cleanup(func() { p.Kill() })
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := ready.FindStringSubmatch(out.String()); m != nil {
			return p, m[1], nil
		}
		select {
		case <-p.done:
			b, _ := os.ReadFile(logPath)
			return nil, "", fmt.Errorf("siegel %s exited: %v\n%s", strings.Join(args, " "), p.err, b)
		default:
		}
	}
	p.Kill()
	b, _ := os.ReadFile(logPath)
	return nil, "", fmt.Errorf("siegel %s did not start within 30 s:\n%s", strings.Join(args, " "), b)
}

// Stop sends SIGTERM and waits for the exit.
func (p *Process) Stop() error {
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
		return p.err
	case <-time.After(20 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
		return errors.New("did not stop within 20 s of SIGTERM; killed")
	}
}

// Kill sends SIGKILL, which the process cannot catch or delay, and waits
// for the exit. It reports whether the process was still running: false
// means it had ended by itself (Exited says how).
func (p *Process) Kill() (running bool) {
	select {
	case <-p.done:
		return false
	default:
	}
	p.cmd.Process.Kill()
	<-p.done
	return true
}

// Exited reports whether the process has ended, and with what.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Pid is the process's id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// FreeAddr is a loopback address with a port free at the moment, for a
// listener that must be named before it runs (the trust list names a
// provider's SMTP endpoint) and that a restarted process binds again. The
// port is below the kernel's ephemeral range: a port from that range (what
// port 0 yields) may be taken as the local end of an outgoing connection
// while its server is down, and the restart could then not bind it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) == 2 {
			if n, err := strconv.Atoi(f[0]); err == nil && n > 11000 {
				low = n
			}
		}
	}
	for range 200 {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(low-10000)))
		if err != nil {
			continue
		}
		defer ln.Close()
		return ln.Addr().String()
	}
	t.Fatal("no free loopback port below the ephemeral range")
	return ""
}

// WaitFor polls cond until it holds, and fails the test after within with
// cond's last word.
func WaitFor(t testing.TB, within time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		ok, why := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v: %s", what, within, why)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// SyncBuffer is a bytes.Buffer that a running process (or verb) writes to while the
// test reads it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
