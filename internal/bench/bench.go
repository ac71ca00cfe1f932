// Package bench is siegel bench: a load generator for a running federation.
// It logs senders in at provider A (at high, so that no daily limit stops
// them), sends letters to recipients at provider B at a fixed offered rate
// or as fast as a number of concurrent requests allows, and follows each
// letter to its end: the receipt confirmation that B issues, carried back
// and filed in the sender's mailbox at A (DMG §5(8); TR PVD-FU §3.3). It
// reports accepted and end-to-end letters per second, latency percentiles,
// errors by kind, and the memory and CPU of the provider processes (read
// from /proc), as JSON, Markdown and a chart (docs/performance.md).
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
)

// LetterOptions are the dispatch options every letter of the run carries.
type LetterOptions struct {
	Dispatch, Receipt, Personal, SenderConfirmed bool
}

// Options configure a run.
type Options struct {
	Letters     int // N, the letters to send
	Senders     int // M, senders at A (at most the target's)
	Recipients  int // K, recipients at B (at most the target's)
	Size        int // bytes of text per letter
	Options     LetterOptions
	Rate        float64 // offered letters per second; 0: as fast as Concurrency allows
	Concurrency int     // requests in flight at most
	// Poll is how often the sender's confirmations are listed; Stall ends
	// the wait for confirmations when none came for that long.
	Poll, Stall time.Duration
	// PIDA and PIDB are the providers' processes, 0 to find them by the
	// port of their API URL (both may be one process: siegel demo).
	PIDA, PIDB int
	Sessions   string    // session cache file; "" keeps none
	Progress   io.Writer // the progress bar; nil for none
	RunID      string    // names this run's letters; "" makes one from the clock
	Now        func() time.Time
	Log        *slog.Logger
}

func (o *Options) defaults() error {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Stall <= 0 {
		o.Stall = 2 * time.Minute
	}
	if o.RunID == "" {
		o.RunID = o.Now().UTC().Format("20060102T150405")
	}
	switch {
	case o.Letters < 1:
		return errors.New("letters: at least 1")
	case o.Size < 1 || o.Size > 20<<20:
		return errors.New("size: 1 byte to 20 MiB")
	case o.Rate < 0:
		return errors.New("rate: not negative")
	}
	return nil
}

// run is one run's state.
type run struct {
	opts    Options
	target  *Target
	id      string
	text    string
	senders []*sender
	procs   []watched
	out     []outcome // by letter number, written by the senders' goroutines
	count   counters
	// Written by the watcher alone.
	confirmed  []time.Time    // receipt confirmation filed at A
	failures   map[int]string // failure confirmations by letter
	pollErrors int
}

// Run runs the load against target and returns its report.
func Run(ctx context.Context, target *Target, opts Options) (*Report, error) {
	if err := opts.defaults(); err != nil {
		return nil, err
	}
	r := &run{opts: opts, target: target, id: opts.RunID, text: benchText(opts.Size),
		out: make([]outcome, opts.Letters), confirmed: make([]time.Time, opts.Letters), failures: map[int]string{}}
	if err := r.pick(); err != nil {
		return nil, err
	}
	if err := r.login(ctx); err != nil {
		return nil, err
	}
	r.procs = r.processes()
	sampler := newSampler(r.procs, opts.Now)
	stopSampling := sampler.start(ctx)
	start := opts.Now()
	stopBar := r.progress(start)
	loadDone, watchDone := make(chan struct{}), make(chan struct{})
	go func() { defer close(loadDone); r.load(ctx, start) }()
	go func() {
		defer close(watchDone)
		if opts.Options.Receipt {
			r.watch(ctx, start, loadDone)
		}
	}()
	<-loadDone
	<-watchDone
	end := opts.Now()
	stopBar()
	samples := stopSampling()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return r.report(start, end, samples), nil
}

// pick takes M senders and K recipients of the target.
func (r *run) pick() error {
	t := *r.target
	m, k := r.opts.Senders, r.opts.Recipients
	if m <= 0 {
		m = len(t.Senders)
	}
	if k <= 0 {
		k = len(t.Recipients)
	}
	if m > len(t.Senders) || k > len(t.Recipients) {
		return fmt.Errorf("the target has %d senders and %d recipients; asked for %d and %d (siegel demo --bench-accounts adds more)",
			len(t.Senders), len(t.Recipients), m, k)
	}
	t.Senders, t.Recipients = t.Senders[:m], t.Recipients[:k]
	r.target = &t
	return nil
}

// login logs every sender in at high, through one HTTP client whose
// connections are kept for all of them.
func (r *run) login(ctx context.Context) error {
	var roots [][]byte
	if f := r.target.A.CACert; f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("provider A's certificate: %w", err)
		}
		roots = append(roots, b)
	}
	base, err := client.New(r.target.A.APIURL, roots...)
	if err != nil {
		return err
	}
	setIdleConns(base, r.opts.Concurrency+len(r.target.Senders))
	cache := loadSessionCache(r.opts.Sessions)
	for _, a := range r.target.Senders {
		c, err := loginHigh(ctx, base, a, cache, r.opts.Now)
		if err != nil {
			return err
		}
		r.senders = append(r.senders, &sender{Account: a, c: c})
	}
	if err := cache.save(r.opts.Sessions); err != nil {
		r.opts.Log.Warn("bench: session cache not saved", "file", r.opts.Sessions, "err", err)
	}
	return nil
}

// processes are the providers' processes to watch: given, or found by the
// ports of their API URLs; one entry when both providers run in one.
func (r *run) processes() []watched {
	var out []watched
	for _, p := range []struct {
		role string
		pid  int
		url  string
	}{{"A", r.opts.PIDA, r.target.A.APIURL}, {"B", r.opts.PIDB, r.target.B.APIURL}} {
		pid := p.pid
		if pid == 0 {
			port, err := portOf(p.url)
			if err == nil {
				pid, err = PIDOfPort(port)
			}
			if err != nil {
				r.opts.Log.Warn("bench: provider process not found; its memory and CPU are not reported", "provider", p.role, "err", err)
				continue
			}
		}
		if len(out) > 0 && out[0].pid == pid {
			out[0].role = "A+B"
			continue
		}
		out = append(out, watched{role: p.role, pid: pid})
	}
	return out
}
