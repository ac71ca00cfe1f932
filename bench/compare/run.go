package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/siegel-mail/siegel/internal/bench"
)

// work is the run's working folder and the binary built into it.
type work struct {
	dir, bin string
	cfg      config
}

func newWork(c config) (*work, func(), error) {
	dir := c.work
	if dir == "" {
		d, err := os.MkdirTemp("", "siegel-compare-")
		if err != nil {
			return nil, nil, err
		}
		dir = d
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	cleanup := func() {
		if !c.keep && c.work == "" {
			os.RemoveAll(dir)
		}
	}
	return &work{dir: dir, bin: filepath.Join(dir, "siegel"), cfg: c}, cleanup, nil
}

func (w *work) build(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", w.bin, "./cmd/siegel")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}

// demoRun is the siegel demo process this command started.
type demoRun struct {
	cmd      *exec.Cmd
	json     string // its demo.json
	pprofURL string
	done     chan error
}

// startDemo starts siegel demo on loopback with its profiles served, and
// waits for its demo.json.
func (w *work) startDemo(ctx context.Context, benchAccounts int, log *slog.Logger) (*demoRun, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(w.dir, "demo")
	logf, err := os.Create(filepath.Join(w.dir, "demo.log"))
	if err != nil {
		return nil, err
	}
	pprofAddr := "127.0.0.1:" + strconv.Itoa(port)
	cmd := exec.Command(w.bin, "demo", "--dir", dir, "--listen", "127.0.0.1:0", "--pprof", pprofAddr,
		"--bench-accounts", strconv.Itoa(benchAccounts))
	// The demo puts its certificates into the CLI's config folder: this
	// run's own, not the user's.
	cmd.Env = append(os.Environ(), "SIEGEL_CONFIG_DIR="+filepath.Join(w.dir, "config"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	d := &demoRun{cmd: cmd, json: filepath.Join(dir, "demo.json"), pprofURL: "http://" + pprofAddr + "/debug/pprof/", done: make(chan error, 1)}
	go func() { d.done <- cmd.Wait(); logf.Close() }()
	log.Info("siegel demo started", "pid", cmd.Process.Pid, "dir", dir)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		if _, err := os.Stat(d.json); err == nil {
			return d, nil
		}
		select {
		case err := <-d.done:
			return nil, fmt.Errorf("siegel demo ended before it was ready (%v); see %s", err, logf.Name())
		case <-ctx.Done():
			d.stop(log)
			return nil, ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			d.stop(log)
			return nil, errors.New("siegel demo wrote no demo.json within 3 minutes")
		}
	}
}

// scanning is what the demo said at start of malware scanning: letters
// scanned by clamd cost more, and Postfix scans nothing.
func (d *demoRun) scanning(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "demo.log"))
	if bytes.Contains(b, []byte("Malware scanning: on")) {
		return "on (clamd)"
	}
	return "off (no clamd found)"
}

// stop ends the demo by its PID: SIGINT, as Ctrl-C would, then SIGKILL if
// it has not ended within 30 seconds.
func (d *demoRun) stop(log *slog.Logger) {
	d.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-d.done:
	case <-time.After(30 * time.Second):
		log.Warn("siegel demo did not end on SIGINT; killing it", "pid", d.cmd.Process.Pid)
		d.cmd.Process.Kill()
		<-d.done
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// runPostfix runs bench/postfix/run.sh and reads its JSON line.
func (w *work) runPostfix(ctx context.Context, n int) (*postfixResult, error) {
	cmd := exec.CommandContext(ctx, "bash", "bench/postfix/run.sh", "-n", strconv.Itoa(n), "-l", strconv.Itoa(w.cfg.size),
		"-s", strconv.Itoa(w.cfg.sessions))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("bench/postfix/run.sh: %w", err)
	}
	return parsePostfix(out.Bytes())
}

// runSiegel runs siegel bench against the demo and reads its report.
func (w *work) runSiegel(ctx context.Context, d *demoRun, name string, n int, rate float64, chart string) (*bench.Report, error) {
	js := filepath.Join(w.dir, name+".json")
	args := []string{"bench", "--demo", d.json, "-n", strconv.Itoa(n), "--size", strconv.Itoa(w.cfg.size), "-q",
		"--json", js, "--run-id", name + "-" + time.Now().UTC().Format("150405")}
	if rate > 0 {
		args = append(args, "--rate", strconv.FormatFloat(rate, 'f', 1, 64))
	} else {
		args = append(args, "--concurrency", strconv.Itoa(w.cfg.concurrency))
	}
	if chart != "" {
		args = append(args, "--chart", chart)
	}
	cmd := exec.CommandContext(ctx, w.bin, args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("siegel bench: %w", err)
	}
	b, err := os.ReadFile(js)
	if err != nil {
		return nil, err
	}
	return bench.ParseReport(b)
}

// fetch saves one of the demo's profiles (e.g. "allocs", or
// "profile?seconds=30" for CPU) to a file.
func (d *demoRun) fetch(ctx context.Context, what, file string) error {
	req, err := http.NewRequestWithContext(ctx, "GET", d.pprofURL+what, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("profile %s: %s", what, resp.Status)
	}
	f, err := os.Create(file)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
