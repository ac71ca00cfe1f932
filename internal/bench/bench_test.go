package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/bench"
	"github.com/siegel-mail/siegel/internal/demo"
)

// startDemo runs siegel demo in this process, as `siegel demo` would, with
// extra bench accounts, and returns its demo.json content.
func startDemo(t *testing.T, benchAccounts int) []byte {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan *demo.File, 1)
	done := make(chan error, 1)
	cheap := account.TestArgon2()
	go func() {
		done <- demo.Run(ctx, demo.Options{Dir: t.TempDir(), Listen: "127.0.0.1:0", ConfigDir: t.TempDir(), Out: io.Discard,
			Log: slog.New(slog.DiscardHandler), Argon2: &cheap, Clamd: "off", BenchAccounts: benchAccounts,
			Ready: func(f *demo.File) { ready <- f }})
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("demo: %v", err)
		}
	})
	select {
	case f := <-ready:
		b, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	case err := <-done:
		t.Fatalf("demo ended: %v", err)
	case <-time.After(90 * time.Second):
		t.Fatal("demo did not start within 90 s")
	}
	return nil
}

// TestBenchSmoke: a few hundred letters through a real federation (siegel
// demo: authority, two providers, SMTP with mutual TLS between them), every
// one accepted and its receipt confirmation found, and a second run
// straight after that reuses the cached sessions rather than replaying a
// TOTP code. No timing is asserted.
func TestBenchSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a federation; skipped in -short mode")
	}
	target, err := bench.ParseDemo(startDemo(t, 1))
	if err != nil {
		t.Fatal(err)
	}
	if len(target.Senders) != 3 || len(target.Recipients) != 3 {
		t.Fatalf("demo with one bench account per side: %d senders, %d recipients; want 3 and 3", len(target.Senders), len(target.Recipients))
	}
	sessions := filepath.Join(t.TempDir(), "sessions.json")
	opts := bench.Options{Letters: 300, Size: 5 << 10, Options: bench.LetterOptions{Dispatch: true, Receipt: true},
		Concurrency: 16, Poll: 200 * time.Millisecond, Stall: 20 * time.Second, Sessions: sessions, RunID: "smoke1"}
	rep, err := bench.Run(t.Context(), target, opts)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep, 300)
	if len(rep.Processes) != 1 || rep.Processes[0].Role != "A+B" {
		t.Errorf("processes %+v: want one, serving A and B (this test's own)", rep.Processes)
	}
	checkOutputs(t, rep)

	opts.Letters, opts.RunID, opts.Senders, opts.Rate = 40, "smoke2", 2, 200
	rep, err = bench.Run(t.Context(), target, opts)
	if err != nil {
		t.Fatalf("second run, with the cached sessions: %v", err)
	}
	checkCounts(t, rep, 40)
}

func checkCounts(t *testing.T, rep *bench.Report, n int) {
	t.Helper()
	if rep.Accepted != n || rep.EndToEnd != n || len(rep.Errors) != 0 {
		t.Errorf("run %s: accepted %d, end to end %d, errors %v (%v); want %d, %d, none",
			rep.Run.ID, rep.Accepted, rep.EndToEnd, rep.Errors, rep.ErrorText, n, n)
	}
	if rep.AcceptLatency.N != n || rep.EndToEndLatency.N != n {
		t.Errorf("latencies of %d and %d letters; want %d", rep.AcceptLatency.N, rep.EndToEndLatency.N, n)
	}
	sum := 0
	for _, s := range rep.Series {
		sum += s.Confirmed
	}
	if sum != n {
		t.Errorf("the series counts %d confirmations; want %d", sum, n)
	}
}

// checkOutputs: the JSON reads back, the Markdown names the counts, and
// both chart formats are drawn.
func checkOutputs(t *testing.T, rep *bench.Report) {
	t.Helper()
	var js, md, svg, png bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	back, err := bench.ParseReport(js.Bytes())
	if err != nil || back.EndToEnd != rep.EndToEnd {
		t.Errorf("report read back: %v, end to end %v", err, back)
	}
	if err := rep.WriteMarkdown(&md); err != nil || !strings.Contains(md.String(), "| accepted | 300 of 300") {
		t.Errorf("markdown (%v):\n%s", err, md.String())
	}
	if err := bench.WriteChart(&svg, rep, "svg"); err != nil || !strings.Contains(svg.String(), "<svg") {
		t.Errorf("svg chart: %v", err)
	}
	if err := bench.WriteChart(&png, rep, "png"); err != nil || !bytes.HasPrefix(png.Bytes(), []byte("\x89PNG")) {
		t.Errorf("png chart: %v", err)
	}
}
