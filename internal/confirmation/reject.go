package confirmation

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// HandleRejection is the queue handler of mailbox.JobRejection: the signed
// SubmissionRejection evidence of a letter the provider refused, and its
// confirmation message, to the sender alone (the recipient never had the
// letter). The evidence belongs to no stored letter: its holder finds it in
// the confirmations folder.
func (s *Service) HandleRejection(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	var p mailbox.RejectionJob
	if err := json.Unmarshal(j.Payload, &p); err != nil {
		return nil, fmt.Errorf("rejection job %s: payload: %w", j.Key, err)
	}
	var sender, rcpt *store.Account
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if sender, err = tx.AccountByID(p.SenderID); err != nil {
			return fmt.Errorf("sender %s: %w", p.SenderID, err)
		}
		if p.RecipientID != "" {
			if rcpt, err = tx.AccountByID(p.RecipientID); errors.Is(err, store.ErrNotFound) {
				rcpt, err = nil, nil
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	ev := &evidence.Evidence{Event: evidence.SubmissionRejection, ID: evidence.NewID(), EventTime: p.SubmittedAt,
		SubmissionTime: p.SubmittedAt,
		Reasons:        []evidence.Reason{{Code: p.Reason, Details: p.Details}},
		Issuer:         evidence.Issuer{Name: s.Name, Domain: s.Domain, Certificate: s.Seal.Certificate().Raw},
		Sender:         party(sender),
		Recipient:      evidence.Party{Address: p.Recipient},
		MessageID:      p.MessageID, PrivateID: p.PrivateID}
	ev.Sender.Level = p.SenderLevel
	if rcpt != nil {
		ev.Recipient = party(rcpt)
	}
	d, err := hex.DecodeString(p.Digest)
	if err != nil || len(d) != len(ev.ContentDigest) {
		return nil, fmt.Errorf("rejection job %s: digest %q", j.Key, p.Digest)
	}
	copy(ev.ContentDigest[:], d)
	now := s.Clock.Now()
	file, err := evidence.SignEvidence(ctx, ev, s.Seal, s.TSA, now)
	if err != nil {
		return nil, err
	}
	msgID := store.NewID(now)
	raw, err := evidence.ComposeConfirmation(ctx, &evidence.Confirmation{Evidence: ev, MessageID: msgID,
		Subject: p.Subject, Date: now, File: file}, s.Seal, s.TSA, now)
	if err != nil {
		return nil, err
	}
	conf, copies, err := s.message(ctx, raw, mailing{kind: ev.Event, msgID: msgID, privateID: p.PrivateID,
		sender: sender.ID, to: sender.Address, cc: p.Recipient}, now)
	if err != nil {
		return nil, err
	}
	// One per refused message: the job's key is its message id.
	rec := &store.Evidence{ID: ev.ID, EventID: "rejection:" + p.MessageID, Event: ev.Event.Name(),
		At: ev.EventTime, File: file, ConfirmationID: conf.ID, CreatedAt: now}
	return s.storeEffect(rec, conf, copies), nil
}
