package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/siegel-mail/siegel/internal/bench"
)

func runBench(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "bench", "bench [--demo demo-data/demo.json] [-n N] [--rate R | --concurrency C] [--json F] [--md F] [--chart F.svg]")
	demoFile := fs.String("demo", "demo-data/demo.json", "the federation to load: siegel demo's demo.json (A sends, B receives)")
	apiA := fs.String("api-a", "", "instead of --demo: provider A's API URL, where the senders log in")
	apiB := fs.String("api-b", "", "instead of --demo: provider B's API URL (only to find its process)")
	ca := fs.String("ca", "", "instead of --demo: PEM certificate to trust for A's API")
	var senders, rcpts multi
	fs.Var(&senders, "sender", "instead of --demo: ADDRESS,PASSWORD,TOTP-SECRET of a sender at A (repeat)")
	fs.Var(&rcpts, "recipient", "instead of --demo: a recipient's address at B (repeat)")
	var o bench.Options
	fs.IntVar(&o.Letters, "n", 1000, "letters to send")
	fs.IntVar(&o.Senders, "senders", 0, "senders at A to use (0: every one the target has)")
	fs.IntVar(&o.Recipients, "recipients", 0, "recipients at B to use (0: every one)")
	fs.IntVar(&o.Size, "size", 5<<10, "bytes of text per letter")
	opts := fs.String("options", "dispatch,receipt", "dispatch options of every letter: dispatch, receipt, personal, sender-confirmed (comma-separated; end to end needs receipt)")
	fs.Float64Var(&o.Rate, "rate", 0, "offered letters per second (0: as fast as --concurrency allows)")
	fs.IntVar(&o.Concurrency, "concurrency", 0, "requests in flight at most (default 16; 256 with --rate)")
	fs.DurationVar(&o.Poll, "poll", 0, "how often to list the senders' confirmations (default 1s)")
	fs.DurationVar(&o.Stall, "stall", 0, "stop waiting for receipt confirmations after none came for this long (default 2m)")
	fs.IntVar(&o.PIDA, "pid-a", 0, "provider A's process (default: found by its API port)")
	fs.IntVar(&o.PIDB, "pid-b", 0, "provider B's process (default: found by its API port)")
	sessions := fs.String("sessions", "", "session cache, so that runs one after another reuse sessions and TOTP codes are not replayed (default: bench-sessions.json beside demo.json)")
	fs.StringVar(&o.RunID, "run-id", "", "names this run's letters (default: the start time)")
	jsonOut := fs.String("json", "", "write the report as JSON to this file")
	mdOut := fs.String("md", "", "write the report as Markdown to this file")
	chartOut := fs.String("chart", "", "draw throughput over time and the latency distribution to this file (.svg or .png)")
	quiet := fs.Bool("q", false, "no progress bar")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	var err error
	if o.Options, err = parseLetterOptions(*opts); err != nil {
		return err
	}
	if o.Concurrency == 0 && o.Rate > 0 {
		o.Concurrency = 256
	}
	target, cache, err := benchTarget(*demoFile, *apiA, *apiB, *ca, senders, rcpts)
	if err != nil {
		return err
	}
	o.Sessions = *sessions
	if o.Sessions == "" {
		o.Sessions = cache
	}
	if !*quiet {
		o.Progress = e.stderr
	}
	o.Log = slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	rep, err := bench.Run(ctx, target, o)
	if err != nil {
		return err
	}
	return writeBenchOutputs(e, rep, *jsonOut, *mdOut, *chartOut)
}

// benchTarget reads the target from the flags, or else from demo.json; it
// returns the session cache's default place too.
func benchTarget(demoFile, apiA, apiB, ca string, senders, rcpts []string) (*bench.Target, string, error) {
	if apiA == "" {
		b, err := os.ReadFile(demoFile)
		if err != nil {
			return nil, "", fmt.Errorf("%w (start siegel demo, or give --api-a, --sender and --recipient)", err)
		}
		t, err := bench.ParseDemo(b)
		return t, filepath.Join(filepath.Dir(demoFile), "bench-sessions.json"), err
	}
	t := &bench.Target{A: bench.Provider{APIURL: apiA, CACert: ca}, B: bench.Provider{APIURL: apiB}, Recipients: rcpts}
	for _, s := range senders {
		a, err := bench.ParseSender(s)
		if err != nil {
			return nil, "", err
		}
		t.Senders = append(t.Senders, a)
	}
	if len(t.Senders) == 0 || len(t.Recipients) == 0 || apiB == "" {
		return nil, "", errors.New("with --api-a: --api-b, at least one --sender and one --recipient")
	}
	return t, "", nil
}

func parseLetterOptions(s string) (bench.LetterOptions, error) {
	var o bench.LetterOptions
	for _, name := range strings.Split(s, ",") {
		switch strings.TrimSpace(name) {
		case "dispatch":
			o.Dispatch = true
		case "receipt":
			o.Receipt = true
		case "personal":
			o.Personal = true
		case "sender-confirmed":
			o.SenderConfirmed = true
		case "", "none":
		default:
			return o, fmt.Errorf("options: unknown option %q (dispatch, receipt, personal, sender-confirmed)", name)
		}
	}
	return o, nil
}

func writeBenchOutputs(e *env, rep *bench.Report, jsonOut, mdOut, chartOut string) error {
	if err := rep.WriteMarkdown(e.stdout); err != nil {
		return err
	}
	for _, out := range []struct {
		name  string
		write func(*os.File) error
	}{
		{jsonOut, func(f *os.File) error { return rep.WriteJSON(f) }},
		{mdOut, func(f *os.File) error { return rep.WriteMarkdown(f) }},
		{chartOut, func(f *os.File) error { return bench.WriteChart(f, rep, bench.ChartFormat(chartOut)) }},
	} {
		if out.name == "" {
			continue
		}
		f, err := os.Create(out.name)
		if err != nil {
			return err
		}
		if err := out.write(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	return nil
}
