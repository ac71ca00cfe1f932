package bench

import (
	"context"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
)

// The end of a letter's way is its receipt confirmation (ContentConsignment
// evidence, issued by B) filed in the sender's confirmations folder at A:
// the evidence row and the confirmation's copy are committed together
// (relay/confirm.go), and the copy's arrival time is when it was filed.
// The watcher lists each sender's confirmations newest first, a page of up
// to 200 at a time, and reads only what arrived since its last look, so
// its cost does not grow with the letters already stored; the latency is
// the copy's arrival time, so it does not depend on how often it looks.

// overlap is how far back past the last look's newest arrival each look
// reads again: copies committed in one group may carry arrival times a
// little out of commit order.
const overlap = 3 * time.Second

// Confirmation subjects' prefixes (evidence/confirmation_text.go).
const (
	receiptPrefix   = "*Eingangsbestätigung*"
	deliveryFailure = "*Zustellfehler*"
	relayFailure    = "*Übergabefehler*"
)

// watch polls the senders' confirmations until every accepted letter has
// its receipt confirmation, the load is over and nothing new came for
// opts.Stall, or ctx ends.
func (r *run) watch(ctx context.Context, since time.Time, loadDone <-chan struct{}) {
	marks := make([]time.Time, len(r.senders))
	for i := range marks {
		marks[i] = since.Add(-overlap)
	}
	done := false
	lastNew := r.opts.Now()
	for {
		seen := r.count.confirmed.Load() + int64(len(r.failures))
		for i, s := range r.senders {
			r.look(ctx, s, &marks[i])
		}
		if n := r.count.confirmed.Load() + int64(len(r.failures)); n > seen {
			lastNew = r.opts.Now()
		}
		if !done {
			select {
			case <-loadDone:
				done = true
				lastNew = maxTime(lastNew, r.opts.Now())
			default:
			}
		}
		ended := r.count.confirmed.Load()+int64(len(r.failures)) >= r.count.accepted.Load()
		if done && (ended || r.opts.Now().Sub(lastNew) > r.opts.Stall) {
			return
		}
		select {
		case <-time.After(r.opts.Poll):
		case <-ctx.Done():
			return
		}
	}
}

// look reads one sender's confirmations that arrived since *mark.
func (r *run) look(ctx context.Context, s *sender, mark *time.Time) {
	from := mark.Add(-overlap)
	newest := *mark
	cursor := ""
	for {
		page, err := s.c.List(ctx, "confirmations", 200, cursor)
		if err != nil {
			r.pollErrors++
			return
		}
		for i := range page.Letters {
			l := &page.Letters[i]
			if l.Arrived.Before(from) {
				*mark = newest
				return
			}
			newest = maxTime(newest, l.Arrived)
			r.note(l)
		}
		if page.Next == "" {
			break
		}
		cursor = page.Next
	}
	*mark = newest
}

// note records a confirmation of a letter of this run.
func (r *run) note(l *api.LetterSummary) {
	i, ok := parseSeq(l.Subject, r.id)
	if !ok || i < 0 || i >= len(r.confirmed) {
		return
	}
	switch {
	case strings.HasPrefix(l.Subject, receiptPrefix):
		if r.confirmed[i].IsZero() {
			r.confirmed[i] = l.Arrived
			r.count.confirmed.Add(1)
		}
	case strings.HasPrefix(l.Subject, deliveryFailure):
		r.failures[i] = "delivery_failed"
	case strings.HasPrefix(l.Subject, relayFailure):
		r.failures[i] = "relay_failed"
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
