package mailbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Inbound is one recipient's copy of a letter that another accredited
// provider handed over, decrypted, with its integrity value and its
// sender's provider checked (package relay).
type Inbound struct {
	Header []byte // the header block as received, the blank line included
	Body   []byte
	Letter *letter.Parsed
	// BodyHash is the SHA-256 of Body, which the integrity value proved.
	BodyHash [32]byte
	// Recipient is the address at this provider (RCPT TO).
	Recipient string
	// scan is the malware scan's outcome, once scanned: the same letter
	// for several recipients is scanned once.
	scan *scanned
}

// ErrDuplicate is Receive's answer to a copy it stored before: the sending
// provider tries again after a lost reply, and is answered as if it were
// the first time (TR PVD-IO: a letter is identified by its
// X-de-mail-message-id).
var ErrDuplicate = errors.New("mailbox: this copy was received before")

// Receive stores an inbound letter in its recipient's mailbox, with the
// stored event and the jobs its options ask for here: the receipt
// confirmation (DMG §5(8)) and, for formal service, the pickup deadline. The
// sender's provider confirms the dispatch. A letter already received for
// this recipient returns ErrDuplicate and changes nothing; the refusals are
// those of a local accept (unknown, closed or blocked recipient, the
// personal rule), as problems naming the field "rcpt"; and a letter the
// malware scanner does not pass ("malware", "scan_limits"; malware.go).
func (s *Service) Receive(ctx context.Context, in *Inbound) error {
	if err := s.scanInbound(ctx, in); err != nil {
		return err
	}
	p := in.Letter
	now := s.Clock.Now()
	rcpts, _ := json.Marshal(map[string][]string{"to": p.To, "cc": p.Cc, "bcc": p.Bcc})
	l := &store.Letter{ID: store.NewID(now), MessageID: p.MessageID, SenderID: "", SenderAddress: p.From,
		Subject: p.Subject, Personal: p.Options.Personal, SenderConfirmed: p.Options.SenderConfirmed,
		DispatchConfirmation: p.Options.DispatchConfirmation, ReceiptConfirmation: p.Options.ReceiptConfirmation,
		PickupConfirmation: p.Options.PickupConfirmation, PrivateID: p.Options.PrivateID, AuthLevel: p.AuthLevel,
		Recipients: rcpts, Attachments: len(p.Attachments), BodyHash: in.BodyHash[:],
		// DMG §5(7): dispatch is when the letter left the sender's
		// mailbox, which its Date says; deemed service counts from it.
		SubmittedAt: p.Date.UTC()}
	if err := s.StoreBody(ctx, l, in.Body); err != nil {
		return err
	}
	r := recipient{addr: in.Recipient, role: roleOf(p, in.Recipient), field: "rcpt", inbound: true}
	return s.Store.Update(ctx, func(tx store.Tx) error {
		have, err := tx.LetterByMessageID(p.MessageID)
		switch {
		case errors.Is(err, store.ErrNotFound):
			have = nil
		case err != nil:
			return err
		case have.SenderAddress != l.SenderAddress || !bytes.Equal(have.BodyHash, l.BodyHash):
			return problem.Field("X-de-mail-message-id", "conflict",
				"message id %s names another letter here already", p.MessageID)
		}
		rs := []recipient{r}
		if err := s.resolve(tx, p.Options, rs); err != nil {
			return err
		}
		if have != nil {
			copies, err := tx.CopiesOfLetter(have.ID)
			if err != nil {
				return err
			}
			if slices.ContainsFunc(copies, func(c store.Copy) bool { return c.AccountID == rs[0].acc.ID }) {
				return ErrDuplicate
			}
			l = have
		} else if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return s.store(tx, l, rs[0], in.Header, now)
	})
}

// store inserts the recipient's copy of l, its stored event and its jobs.
func (s *Service) store(tx store.Tx, l *store.Letter, r recipient, header []byte, now time.Time) error {
	c := &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: r.acc.ID, Folder: store.Inbox,
		Role: r.role, Header: header, Arrived: now, AwaitsPickup: l.PickupConfirmation}
	ev := &store.Event{ID: store.NewID(now), LetterID: l.ID, CopyID: c.ID, AccountID: r.acc.ID,
		Kind: store.EventStored, At: now}
	if err := tx.InsertCopy(c); err != nil {
		return err
	}
	if err := tx.InsertEvent(ev); err != nil {
		return err
	}
	out := &Accepted{Letter: l, Copies: []*store.Copy{c}}
	jobs := deemedJobs(out, s.Location)
	if l.ReceiptConfirmation {
		jobs = append(jobs, evidenceJob(evidence.ContentConsignment, ev, c))
	}
	s.Log.Info("letter received", "letter", l.ID, "copy", c.ID, "from", l.SenderAddress)
	jobs, err := forwardJobs(tx, jobs, out.Copies) // TR PVD-FU §3.1.3.2
	if err != nil {
		return err
	}
	if len(jobs) == 0 {
		return nil
	}
	return tx.Enqueue(jobs...)
}

// roleOf is how the letter names addr: bcc, cc or, by default, to.
func roleOf(p *letter.Parsed, addr string) string {
	switch {
	case slices.Contains(p.Bcc, addr):
		return "bcc"
	case slices.Contains(p.Cc, addr) && !slices.Contains(p.To, addr):
		return "cc"
	}
	return "to"
}
