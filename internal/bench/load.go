package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
)

// outcome is what became of one letter of the run.
type outcome struct {
	start    time.Time // the submission began; at a fixed rate, when it was due
	accepted time.Time // A answered 201; zero when it refused or failed
	errKind  string    // why not, when not
	errText  string
}

// counters are read by the progress bar while the run goes on.
type counters struct {
	accepted, failed, confirmed atomic.Int64
}

// sender is a logged-in sender at A.
type sender struct {
	Account
	c *client.Client
}

// load submits opts.Letters letters and records each outcome by its number.
// At a fixed rate a letter is due at start + i/rate and its latency counts
// from then, so a provider that falls behind is charged for the wait in
// the queue (no coordinated omission); without a rate, Concurrency
// requests are in flight at any time.
func (r *run) load(ctx context.Context, start time.Time) {
	due := make(chan int, r.opts.Concurrency)
	var wg sync.WaitGroup
	for range r.opts.Concurrency {
		wg.Go(func() {
			for i := range due {
				r.send(ctx, i, start)
			}
		})
	}
	defer func() { close(due); wg.Wait() }()
	for i := range r.opts.Letters {
		if r.opts.Rate > 0 {
			at := start.Add(time.Duration(float64(i) / r.opts.Rate * float64(time.Second)))
			if d := at.Sub(r.opts.Now()); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return
				}
			}
		}
		select {
		case due <- i:
		case <-ctx.Done():
			return
		}
	}
}

// send submits letter i.
func (r *run) send(ctx context.Context, i int, start time.Time) {
	o := &r.out[i]
	o.start = r.opts.Now()
	if r.opts.Rate > 0 {
		o.start = start.Add(time.Duration(float64(i) / r.opts.Rate * float64(time.Second)))
	}
	s := r.senders[i%len(r.senders)]
	req := r.letter(i)
	req.To = []string{r.target.Recipients[i%len(r.target.Recipients)]}
	if _, err := s.c.Send(ctx, req); err != nil {
		o.errKind, o.errText = errorKind(err), err.Error()
		r.count.failed.Add(1)
		return
	}
	o.accepted = r.opts.Now()
	r.count.accepted.Add(1)
}

// letter is letter i's request but for its recipient: a text of
// opts.Size bytes and a subject that names the run and the letter.
func (r *run) letter(i int) *api.SendRequest {
	o := r.opts.Options
	return &api.SendRequest{Subject: fmt.Sprintf("%s%d", subjectMark(r.id), i), Text: r.text,
		DispatchConfirmation: o.Dispatch, ReceiptConfirmation: o.Receipt,
		Personal: o.Personal, SenderConfirmed: o.SenderConfirmed}
}

// benchText is size bytes of plain text in lines of at most 76 characters,
// as a letter of that size would be.
func benchText(size int) string {
	const line = "Sehr geehrte Damen und Herren, dies ist ein Brief der Lastmessung.\n"
	var b strings.Builder
	for b.Len() < size {
		b.WriteString(line)
	}
	return b.String()[:size]
}

// errorKind names an error for the report's errors by kind: the API's
// code, or what failed underneath.
func errorKind(err error) string {
	var ce *client.Error
	var ne net.Error
	switch {
	case errors.As(err, &ce):
		return ce.Code
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &ne):
		return "network"
	}
	return "other"
}
