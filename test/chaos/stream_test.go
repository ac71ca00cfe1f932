package chaos

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/api/client"
)

// outcome is what the client learnt of a submission.
type outcome int

const (
	// unknown: no answer (the connection broke, or timed out). The letter
	// may have been accepted, or not.
	unknown outcome = iota
	// accepted: 201 with the letter's id and message id.
	accepted
	// refused: an error answer; the letter must not exist.
	refused
)

func (o outcome) String() string {
	return [...]string{"unknown", "accepted", "refused"}[o]
}

// submission is one letter the stream tried to send, and what became of it.
// Each is written by the one worker that sent it, and read after the
// stream has ended.
type submission struct {
	n         int
	subject   string // unique in the run: how the checks find the letter
	privateID string // the sender's file number, copied into the evidence
	sender    int    // index into the senders at A
	rcpt      int    // index into the recipients at B
	big       bool   // with an attachment too large to be kept in the row: a blob file
	outcome   outcome
	messageID string // from the answer, when accepted
	err       error  // the answer's error, or the connection's
	during    string // the fault in progress when it was sent, "" for none
}

// bigAttachment is larger than store.inline_max_kib (64 KiB by default), so
// that such a letter's body is a file in the blob folder.
const bigAttachment = 80 << 10

// request is the letter of s: with dispatch and receipt confirmation.
func (s *submission) request(to string) *api.SendRequest {
	req := &api.SendRequest{To: []string{to}, Subject: s.subject, PrivateID: s.privateID,
		Text:                 "Sehr geehrte Damen und Herren,\n\nanbei " + s.subject + ".\n",
		DispatchConfirmation: true, ReceiptConfirmation: true}
	if s.big {
		data := make([]byte, bigAttachment)
		r := rand.New(rand.NewPCG(uint64(s.n), 0x5eed))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		req.Attachments = []api.Attachment{{Filename: "anlage.bin", ContentType: "application/octet-stream", Data: data}}
	}
	return req
}

// gate holds the workers back while provider A, which they send to, is
// down: a submission then could only fail to connect, which teaches
// nothing. Submissions in flight when A is killed are what the test is
// about; the gate closes just before the kill.
type gate struct {
	mu   sync.Mutex
	open chan struct{} // closed while A is up
}

func newGate() *gate {
	g := &gate{open: make(chan struct{})}
	close(g.open)
	return g
}

func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

func (g *gate) reopen() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.open)
}

// wait returns once A is up, or false when ctx ends first.
func (g *gate) wait(ctx context.Context) bool {
	g.mu.Lock()
	open := g.open
	g.mu.Unlock()
	select {
	case <-open:
		return true
	case <-ctx.Done():
		return false
	}
}

// stream sends the run's letters at the scenario's rate from workers
// goroutines, and counts the submissions answered or given up.
type stream struct {
	subs    []submission
	senders []*client.Client // A's users, at high
	rcpts   []string         // B's users' addresses
	gate    *gate
	rate    float64
	next    atomic.Int64 // the next submission to send
	done    atomic.Int64 // submissions finished
	flight  atomic.Int64 // submissions sent and not yet answered
	fault   atomic.Value // string: the fault in progress
	ended   chan struct{}
}

func newStream(letters int, seed uint64, senders []*client.Client, rcpts []string, rate float64) *stream {
	s := &stream{subs: make([]submission, letters), senders: senders, rcpts: rcpts, gate: newGate(),
		rate: rate, ended: make(chan struct{})}
	s.fault.Store("")
	for i := range s.subs {
		s.subs[i] = submission{n: i, subject: fmt.Sprintf("Chaos %d Bescheid %05d", seed, i),
			privateID: fmt.Sprintf("AZ-%d-%05d", seed, i), sender: i % len(senders),
			rcpt: (i / len(senders)) % len(rcpts), big: i%5 == 4}
	}
	return s
}

// run sends every letter, then closes s.ended. A letter whose answer does
// not come within the timeout is unknown, as one cut off by a kill.
func (s *stream) run(ctx context.Context, workers int) {
	defer close(s.ended)
	ticks := make(chan struct{}, 1)
	pace, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		t := time.NewTicker(time.Duration(float64(time.Second) / s.rate))
		defer t.Stop()
		for {
			select {
			case <-pace.Done():
				return
			case <-t.C:
				select {
				case ticks <- struct{}{}:
				default: // the workers are behind, or A is down: the tick is dropped
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case <-ticks:
				}
				if !s.gate.wait(ctx) {
					return
				}
				i := int(s.next.Add(1)) - 1
				if i >= len(s.subs) {
					return
				}
				s.send(ctx, &s.subs[i])
				s.done.Add(1)
			}
		})
	}
	wg.Wait()
}

// send submits one letter and records the answer.
func (s *stream) send(ctx context.Context, sub *submission) {
	sub.during = s.fault.Load().(string)
	rctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	req := sub.request(s.rcpts[sub.rcpt])
	s.flight.Add(1)
	res, err := s.senders[sub.sender].Send(rctx, req)
	s.flight.Add(-1)
	var ce *client.Error
	switch {
	case err == nil && res.MessageID != "" && res.LetterID != "":
		sub.outcome, sub.messageID = accepted, res.MessageID
	case err == nil:
		sub.outcome, sub.err = unknown, fmt.Errorf("201 without a letter or message id: %+v", res)
	case errors.As(err, &ce):
		sub.outcome, sub.err = refused, err
	default:
		sub.outcome, sub.err = unknown, err
	}
}

// errorsByKind summarises the errors of the unknown and refused letters,
// once the stream has ended.
func (s *stream) errorsByKind() string {
	kinds := map[string]int{}
	for i := range s.subs {
		if e := s.subs[i].err; e != nil {
			msg := e.Error()
			if j := strings.LastIndex(msg, ": "); j >= 0 {
				msg = msg[j+2:]
			}
			kinds[s.subs[i].outcome.String()+": "+msg]++
		}
	}
	var b strings.Builder
	for k, n := range kinds {
		fmt.Fprintf(&b, "\n\t%d× %s", n, k)
	}
	return b.String()
}
