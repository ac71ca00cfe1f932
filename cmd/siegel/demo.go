package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/siegel-mail/siegel/internal/demo"
)

func runDemo(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "demo", "demo [--dir DIR] [--listen HOST:PORT] [--bench-accounts N] [--pprof 127.0.0.1:PORT]")
	dir := fs.String("dir", "demo-data", "the demo's data folder; a second start reuses it")
	listen := fs.String("listen", "127.0.0.1:8443", "where the provider listens (another free port is taken when this one is busy)")
	verbose := fs.Bool("v", false, "log every request")
	benchAccounts := fs.Int("bench-accounts", 0, "open this many more senders at A and recipients at B in a new demo, for siegel bench")
	pprofAddr := fs.String("pprof", "", "serve Go's runtime profiles at this loopback HOST:PORT under /debug/pprof/")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	cd, err := configDir(e)
	if err != nil {
		return err
	}
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: level}))
	if *pprofAddr != "" {
		url, err := servePprof(ctx, *pprofAddr, log)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "profiles at %s\n", url)
	}
	err = demo.Run(ctx, demo.Options{Dir: *dir, Listen: *listen, ConfigDir: cd, Out: e.stdout, Log: log,
		BenchAccounts: *benchAccounts})
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
