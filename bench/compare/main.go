// Command compare measures a Siegel federation side by side with a pair of
// Postfix servers on the same machine in the same run, and writes the
// report into docs/performance.md (issue 8). From a clean clone:
//
//	go run ./bench/compare
//
// It builds siegel, starts `siegel demo` in a temporary folder (with its
// runtime profiles on loopback), then runs bench/postfix/run.sh and
// `siegel bench` in turns (Postfix, Siegel, Postfix, Siegel …) with the
// same message count and size, profiles the providers' CPU and
// allocations during the middle Siegel round, runs Siegel once more at
// half its measured rate for the latency target, measures the machine's
// own costs (a P-256 signature and verification, a 5 KiB append with
// fdatasync), prints the ratio of end-to-end rates and replaces the part
// of docs/performance.md between its bench/compare markers. Postfix needs
// root; run.sh installs it when missing. Everything listens on loopback.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"
)

// config is the command line.
type config struct {
	letters, rounds, size, concurrency, sessions, benchAccounts int
	docs, chart, work                                           string
	noDocs, keep                                                bool
	halfRate                                                    bool
}

func main() {
	var c config
	flag.IntVar(&c.letters, "n", 3000, "letters (Siegel) and messages (Postfix) per round")
	flag.IntVar(&c.rounds, "rounds", 3, "rounds of each, interleaved")
	flag.IntVar(&c.size, "size", 5<<10, "bytes per letter or message")
	flag.IntVar(&c.concurrency, "concurrency", 16, "siegel bench's requests in flight")
	flag.IntVar(&c.sessions, "sessions", 20, "smtp-source's parallel SMTP sessions")
	flag.IntVar(&c.benchAccounts, "bench-accounts", 2, "extra senders and recipients in the demo (siegel demo --bench-accounts)")
	flag.BoolVar(&c.halfRate, "half-rate", true, "run Siegel once more at half its measured end-to-end rate, for the latency target")
	flag.StringVar(&c.docs, "docs", "docs/performance.md", "the report's file; the part between its bench/compare markers is replaced")
	flag.StringVar(&c.chart, "chart", "docs/bench/federation.svg", "the chart of the last Siegel round")
	flag.StringVar(&c.work, "work", "", "working folder (default: a new temporary one, removed at the end)")
	flag.BoolVar(&c.noDocs, "no-docs", false, "print the report instead of writing it into -docs")
	flag.BoolVar(&c.keep, "keep", false, "keep the working folder (logs, reports, profiles)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if err := run(ctx, c, log); err != nil {
		fmt.Fprintln(os.Stderr, "bench/compare:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, c config, log *slog.Logger) error {
	if _, err := os.Stat("go.mod"); err != nil {
		return fmt.Errorf("run from the repository's root (go run ./bench/compare): %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(c.chart), 0o755); err != nil {
		return err
	}
	w, cleanup, err := newWork(c)
	if err != nil {
		return err
	}
	defer cleanup()
	log.Info("building siegel", "bin", w.bin)
	if err := w.build(ctx); err != nil {
		return err
	}
	d, err := w.startDemo(ctx, c.benchAccounts, log)
	if err != nil {
		return err
	}
	defer d.stop(log)
	res, err := measure(ctx, c, w, d, log)
	if err != nil {
		return err
	}
	res.Peer = measurePeer(w.dir)
	res.Machine = describeMachine()
	res.Scanning = d.scanning(w.dir)
	res.Date = time.Now().UTC()
	res.Config = c
	fmt.Printf("\nSiegel end to end ÷ Postfix end to end: %.2f (median of %d interleaved rounds; %s)\n",
		res.MedianRatio(), len(res.Rounds), res.RatioList())
	text := res.Markdown()
	if c.noDocs {
		fmt.Println(text)
		return nil
	}
	if err := replaceSection(c.docs, text); err != nil {
		return err
	}
	log.Info("report written", "file", c.docs, "chart", c.chart)
	return nil
}
