package confirmation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// errGone: what a job is about was finally deleted before it ran.
var errGone = errors.New("finally deleted")

// facts is what one evidence is made of, read from the store.
type facts struct {
	letter *store.Letter
	event  store.Event
	copy   *store.Copy // the recipient's; nil when finally deleted since
	stored time.Time   // the copy's stored event
	// sender and recipient: accounts here, or, at another provider, an
	// Account with only the Address (and an empty ID).
	sender    *store.Account
	recipient *store.Account
	reason    evidence.Reason // of a negative event the store does not know
}

// HandleEvidence is the queue handler of mailbox.JobEvidence: it signs the
// evidence and composes the confirmation message outside any transaction,
// and returns the effect that stores both, with the job's completion.
func (s *Service) HandleEvidence(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	var p mailbox.EvidenceJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, fmt.Errorf("evidence job %s: payload: %w", j.Key, err)
	}
	kind := evidence.Event("http://uri.etsi.org/19522/Event/" + p.Event)
	if !kind.Valid() {
		return nil, fmt.Errorf("evidence job %s: unknown event %q", j.Key, p.Event)
	}
	f, err := s.read(ctx, p)
	if err == nil && p.Reason != "" {
		f.reason = evidence.Reason{Code: p.Reason, Details: p.Details}
	}
	if errors.Is(err, errGone) {
		// Finally deleted before the job ran (a worker down for long): no
		// content digest to sign. Retrying would never succeed.
		s.Log.Warn("confirmation not issued: the letter is gone", "letter", p.LetterID, "event", p.Event, "err", err)
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	ev, err := s.document(kind, f, now)
	if err != nil {
		return nil, fmt.Errorf("evidence job %s: %w", j.Key, err)
	}
	file, err := evidence.SignEvidence(ctx, ev, s.Seal, s.TSA, now)
	if err != nil {
		return nil, err
	}
	msgID := store.NewID(now)
	raw, err := evidence.ComposeConfirmation(ctx, &evidence.Confirmation{Evidence: ev, MessageID: msgID,
		Subject: f.letter.Subject, Date: now, File: file}, s.Seal, s.TSA, now)
	if err != nil {
		return nil, err
	}
	rec := &store.Evidence{ID: ev.ID, LetterID: f.letter.ID, CopyID: p.CopyID, EventID: p.EventID,
		Event: kind.Name(), At: ev.EventTime, File: file, CreatedAt: now}
	if kind == evidence.RelayAcceptance {
		// Kept with the letter, for the sender's evidence panel and for a
		// court; the receipt confirmation that follows is the message.
		return s.storeEffect(rec, nil, nil), nil
	}
	m := mailing{kind: kind, msgID: msgID, personal: f.letter.Personal, privateID: f.letter.PrivateID,
		sender: f.sender.ID, to: f.sender.Address, cc: f.recipient.Address}
	if f.sender.ID == "" {
		m.senderRemote = f.sender.Address
	}
	switch kind {
	case evidence.SubmissionAcceptance, evidence.RelayFailure:
	default:
		// SPEC: receipt and pickup confirmations go to the recipient too,
		// and the recipient of formal service is told of deemed service.
		m.ccID = f.recipient.ID // "" at another provider, which has its own
	}
	conf, copies, err := s.message(ctx, raw, m, now)
	if err != nil {
		return nil, err
	}
	rec.ConfirmationID = conf.ID
	return s.storeEffect(rec, conf, copies), nil
}

// read gathers the facts of a job.
func (s *Service) read(ctx context.Context, p mailbox.EvidenceJob) (*facts, error) {
	f := &facts{}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if f.letter, err = tx.LetterByID(p.LetterID); errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("letter %s: %w", p.LetterID, errGone)
		} else if err != nil {
			return fmt.Errorf("letter %s: %w", p.LetterID, err)
		}
		events, err := tx.Events(p.LetterID)
		if err != nil {
			return err
		}
		found := false
		for _, e := range events {
			if e.ID == p.EventID {
				f.event, found = e, true
			}
			if e.Kind == store.EventStored && e.CopyID == p.CopyID {
				f.stored = e.At // outlives the copy
			}
		}
		if !found {
			return fmt.Errorf("letter %s: event %s: %w", p.LetterID, p.EventID, errGone)
		}
		if f.copy, err = tx.CopyByID(p.CopyID); errors.Is(err, store.ErrNotFound) {
			f.copy, err = nil, nil
		}
		if err != nil {
			return err
		}
		if f.letter.SenderID == "" {
			// A letter from another provider, which gets the confirmation.
			f.sender = &store.Account{Address: f.letter.SenderAddress}
		} else if f.sender, err = tx.AccountByID(f.letter.SenderID); err != nil {
			return fmt.Errorf("sender %s: %w", f.letter.SenderID, err)
		}
		if p.Recipient != "" {
			if f.recipient, err = tx.AccountByID(p.Recipient); err != nil {
				return fmt.Errorf("recipient %s: %w", p.Recipient, err)
			}
			return nil
		}
		if f.copy == nil || f.copy.Remote == "" {
			return fmt.Errorf("letter %s: copy %s names no recipient", p.LetterID, p.CopyID)
		}
		f.recipient = &store.Account{Address: f.copy.Remote}
		return nil
	})
	return f, err
}

// document is the evidence of kind about f, as of now.
func (s *Service) document(kind evidence.Event, f *facts, now time.Time) (*evidence.Evidence, error) {
	l := f.letter
	ev := &evidence.Evidence{Event: kind, ID: evidence.NewID(), EventTime: f.event.At,
		SubmissionTime: l.SubmittedAt,
		Issuer:         evidence.Issuer{Name: s.Name, Domain: s.Domain, Certificate: s.Seal.Certificate().Raw},
		Sender:         party(f.sender),
		Recipient:      party(f.recipient),
		MessageID:      l.MessageID, PrivateID: l.PrivateID}
	if len(l.BodyHash) != len(ev.ContentDigest) {
		return nil, fmt.Errorf("letter %s has no SHA-256 content digest", l.ID)
	}
	copy(ev.ContentDigest[:], l.BodyHash)
	switch kind {
	case evidence.SubmissionAcceptance:
		ev.Sender.Level = l.AuthLevel // DMG §5(7): the sender's login level at dispatch
	case evidence.ContentHandover:
		ev.Recipient.Level = account.High // DMG §5(9): the first login at high
		ev.ConsignmentTime = f.arrived()
	case evidence.ContentConsignmentFailure, evidence.RelayFailure:
		if f.reason.Code == "" {
			return nil, fmt.Errorf("letter %s: %s without a reason", l.ID, kind.Name())
		}
		ev.Reasons = []evidence.Reason{f.reason}
	case evidence.ContentHandoverFailure:
		ev.ConsignmentTime = f.arrived()
		ev.Reasons = []evidence.Reason{{Code: evidence.ReasonNotPickedUp, Details: fmt.Sprintf(
			"not picked up by %s: deemed served on the third day after dispatch (VwZG §5a(4))",
			f.event.At.In(s.Location).Format("2006-01-02 15:04 MST"))}}
	}
	if ev.ConsignmentTime.IsZero() && (kind == evidence.ContentHandover || kind == evidence.ContentHandoverFailure) {
		return nil, fmt.Errorf("letter %s: the recipient's copy %s is gone, and with it the time it arrived", l.ID, f.event.CopyID)
	}
	return ev, nil
}

// arrived is when the recipient's copy was stored, from the copy or, once
// it is deleted, from its stored event.
func (f *facts) arrived() time.Time {
	if f.copy == nil {
		return f.stored
	}
	return f.copy.Arrived
}

// party is an account as evidence names it: a pseudonym by itself only (DMG
// §5(2)).
func party(a *store.Account) evidence.Party {
	p := evidence.Party{Address: a.Address, Kind: a.Kind}
	if !a.Pseudonym {
		p.Name = a.DisplayName
	}
	return p
}
