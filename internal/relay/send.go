package relay

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// outbound is what one handover needs from the store.
type outbound struct {
	letter *store.Letter
	copy   *store.Copy
	done   bool // the copy's handover has an outcome already
	warned bool // the sender was told it is late
}

// HandleRelay is the queue handler of mailbox.JobRelay: it hands one
// remote copy over to its recipient's provider and returns the outcome to
// record with the job's completion. An error leaves the job to be retried.
func (s *Service) HandleRelay(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	o, err := s.read(ctx, j.Key)
	if errors.Is(err, store.ErrNotFound) {
		s.Log.Warn("relay: the copy is gone", "copy", j.Key)
		return nil, nil
	}
	if err != nil || o.done {
		return nil, err
	}
	c, l := o.copy, o.letter
	now := s.Clock.Now()
	giveUp := c.Arrived.Add(s.deadline())
	if !now.Before(giveUp) {
		// The last attempt's error says why; TR: after the deadline the
		// sender learns of the failure, with evidence.
		return s.outcome(o, store.EventRelayFailed, evidence.RelayFailure, evidence.ReasonRelay,
			fmt.Sprintf("not handed over to the provider of %s by %s; the last attempt: %s",
				c.Remote, giveUp.Format(time.RFC3339), orNone(j.LastError))), nil
	}
	err = s.handOver(ctx, o, now)
	var rej *federation.RejectError
	switch {
	case err == nil:
		s.Log.Info("relay: handed over", "letter", l.ID, "copy", c.ID, "to", domainOf(c.Remote), "attempt", j.Attempts)
		return s.outcome(o, store.EventRelayed, evidence.RelayAcceptance, "", ""), nil
	case errors.As(err, &rej):
		if to, ok := movedTo(rej); ok && l.SenderID != "" {
			s.Log.Info("relay: recipient moved; sent on", "letter", l.ID, "copy", c.ID, "to", domainOf(to))
			return s.redirected(o, to, rej), nil
		}
		s.Log.Info("relay: refused by the receiving provider", "letter", l.ID, "copy", c.ID, "err", rej)
		return s.outcome(o, store.EventRelayFailed, evidence.ContentConsignmentFailure, reasonOf(rej), rej.Error()), nil
	}
	if l.SenderID != "" && !o.warned && !now.Before(c.Arrived.Add(mailbox.RelayWarnAfter)) {
		s.warn(ctx, c, giveUp)
	}
	return nil, err
}

// read finds the copy and its letter, and whether an outcome is recorded.
func (s *Service) read(ctx context.Context, copyID string) (*outbound, error) {
	o := &outbound{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if o.copy, err = tx.CopyByID(copyID); err != nil {
			return err
		}
		if o.copy.Remote == "" {
			return fmt.Errorf("relay: copy %s is in a mailbox here, not another provider's", copyID)
		}
		if o.letter, err = tx.LetterByID(o.copy.LetterID); err != nil {
			return err
		}
		events, err := tx.Events(o.copy.LetterID)
		for _, e := range events {
			if e.CopyID == copyID {
				o.done = o.done || e.Kind == store.EventRelayed || e.Kind == store.EventRelayFailed ||
					e.Kind == store.EventRedirected
				o.warned = o.warned || e.Kind == store.EventRelayWarned
			}
		}
		return err
	})
	return o, err
}

// handOver sends the copy, encrypted to its provider.
func (s *Service) handOver(ctx context.Context, o *outbound, now time.Time) error {
	domain := domainOf(o.copy.Remote)
	list, _ := s.Trust.Current()
	if list == nil {
		return errors.New("relay: no trust list yet")
	}
	if _, ok := list.Lookup(s.Domain); !ok {
		// Temporary: the authority may list it again before the deadline.
		return fmt.Errorf("relay: this provider (%s) is not on trust list no. %d: no provider takes its letters", s.Domain, list.Sequence)
	}
	p, ok := list.Lookup(domain)
	if !ok || p.TLS == nil {
		return &federation.RejectError{Code: 550, Enhanced: "5.1.2",
			Text: fmt.Sprintf("%s is no longer an accredited provider (trust list no. %d)", domain, list.Sequence)}
	}
	body, err := s.Mail.Body(ctx, o.letter)
	if err != nil {
		return fmt.Errorf("relay: body of letter %s: %w", o.letter.ID, err)
	}
	msg := append(append(make([]byte, 0, len(o.copy.Header)+len(body)), o.copy.Header...), body...)
	env, err := seal(msg, o.letter.SenderAddress, o.copy.Remote, o.copy.ID, now, p.TLS)
	if err != nil {
		return err
	}
	return s.Send(ctx, domain, o.letter.SenderAddress, []string{o.copy.Remote}, env)
}

// outcome records the handover's end: the event, and the evidence the
// sender gets. A provider's own messages (confirmations handed back to a
// sender elsewhere) get no evidence of their own.
func (s *Service) outcome(o *outbound, kind string, ev evidence.Event, reason, details string) func(store.Tx) error {
	now := s.Clock.Now()
	e := &store.Event{ID: store.NewID(now), LetterID: o.letter.ID, CopyID: o.copy.ID, Kind: kind, At: now}
	return func(tx store.Tx) error {
		if err := tx.InsertEvent(e); err != nil {
			return err
		}
		if o.letter.SenderID == "" {
			if kind == store.EventRelayFailed {
				s.Log.Error("relay: a message of this provider's could not be handed over", "letter", o.letter.ID,
					"to", o.copy.Remote, "reason", details)
			}
			return nil
		}
		if ev == evidence.RelayAcceptance && !o.letter.DispatchConfirmation {
			return nil
		}
		return tx.Enqueue(mailbox.EvidenceJobOf(mailbox.EvidenceJob{Event: ev.Name(), EventID: e.ID,
			LetterID: o.letter.ID, CopyID: o.copy.ID, Reason: reason, Details: details}, now))
	}
}

// warn queues the sender's warning that the handover is late, once.
func (s *Service) warn(ctx context.Context, c *store.Copy, giveUp time.Time) {
	now := s.Clock.Now()
	p, _ := json.Marshal(mailbox.RelayWarning{GiveUpAt: giveUp})
	job := &store.Job{ID: store.NewID(now), Kind: mailbox.JobRelayWarning, Key: c.ID, Payload: p, RunAt: now, CreatedAt: now}
	err := s.Store.Update(ctx, func(tx store.Tx) error { return tx.Enqueue(job) })
	if err != nil && !errors.Is(err, store.ErrConflict) {
		s.Log.Error("relay: the sender's warning was not queued", "copy", c.ID, "err", err)
	}
}

// reasonOf is the evidence reason of a refusal by the receiving provider:
// the TR notification type its enhanced status code stands for (TR
// PVD-IO §3.1.20; RFC 3463).
func reasonOf(r *federation.RejectError) string {
	switch r.Enhanced {
	case "5.1.1":
		return evidence.ReasonUnknownRecipient
	case "5.1.6":
		return evidence.ReasonClosedAccount
	case "5.6.0", "5.6.1":
		return evidence.ReasonInvalidFormat
	case "5.7.0":
		return evidence.ReasonMalware // TR PVD-FU §3.1.3.1 (receive.go refusal)
	}
	return evidence.ReasonOther
}

func (s *Service) deadline() time.Duration {
	if s.Deadline <= 0 {
		return DefaultDeadline
	}
	return s.Deadline
}

func orNone(s string) string {
	if s == "" {
		return "none recorded"
	}
	return s
}
