package mailbox

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// mayHaveEvidence reports whether the holder of copy c may have evidence e
// of the same letter: the sender all of it, a recipient what is about their
// own copy except the dispatch confirmation, which is the sender's proof
// (DMG §5(7)); receipt and pickup confirmations go to the recipient too
// (SPEC "Dispatch options"). A copy the holder made into a folder has
// what the copy it was made from has.
func mayHaveEvidence(c *store.Copy, e *store.Evidence) bool {
	if c.Role == "sender" {
		return true
	}
	return e.CopyID == c.Source() && e.Event != evidence.SubmissionAcceptance.Name()
}

// EvidenceItem is one evidence as its holder sees it.
type EvidenceItem struct {
	store.Evidence
	// Recipient is the address of the recipient the evidence names.
	Recipient string
	// Confirmation is the id of the holder's copy of the confirmation
	// message, "" when they have none (or deleted it).
	Confirmation string
}

// Evidence lists the evidence of the letter whose copy id is p's that p may
// have, in the order of its events. A personal letter's needs a session at
// high, as its content does.
func (s *Service) Evidence(ctx context.Context, p *auth.Principal, id string) ([]EvidenceItem, error) {
	var out []EvidenceItem
	err := s.Store.View(ctx, func(tx store.Tx) error {
		c, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		if Hidden(c, p.Level()) {
			return problem.New(problem.Forbidden, "", "login_level",
				"this is a personal letter: log in at high (step up with a second factor) to see its evidence")
		}
		all, err := tx.EvidenceOfLetter(c.LetterID)
		if err != nil {
			return err
		}
		out = out[:0]
		for i := range all {
			if !mayHaveEvidence(c, &all[i]) {
				continue
			}
			item, err := evidenceItem(tx, p.Account.ID, all[i])
			if err != nil {
				return err
			}
			out = append(out, item)
		}
		return nil
	})
	sortEvidence(out)
	return out, err
}

// sortEvidence orders evidence by time, and the evidence of one copy in
// the order of a letter's life. Events of one moment (the dispatch and the
// receipt of a letter delivered at once) would tie; and between providers
// the stages of one copy are dated by two clocks (the receipt by the
// recipient's provider before it answers, the handover by the sender's
// after the answer), which a few milliseconds or a clock's drift could put
// the wrong way round. So each copy's stages are sorted by their place in
// its life, and each is listed no earlier than the stage before it.
func sortEvidence(items []EvidenceItem) {
	byCopy := map[string][]int{}
	for i := range items {
		byCopy[items[i].CopyID] = append(byCopy[items[i].CopyID], i)
	}
	key := make([]time.Time, len(items))
	for _, idx := range byCopy {
		slices.SortStableFunc(idx, func(a, b int) int { return lifeRank(items[a].Event) - lifeRank(items[b].Event) })
		var last time.Time
		for _, i := range idx {
			last = maxTime(last, items[i].At)
			key[i] = last
		}
	}
	order := make([]int, len(items))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		if c := key[a].Compare(key[b]); c != 0 {
			return c
		}
		return lifeRank(items[a].Event) - lifeRank(items[b].Event)
	})
	sorted := make([]EvidenceItem, len(items))
	for i, j := range order {
		sorted[i] = items[j]
	}
	copy(items, sorted)
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// lifeRank orders events of the same time as they happen in a letter's life.
func lifeRank(event string) int {
	for i, ev := range []evidence.Event{evidence.SubmissionAcceptance, evidence.SubmissionRejection,
		evidence.RelayAcceptance, evidence.RelayFailure, evidence.ContentConsignment, evidence.ContentConsignmentFailure, evidence.ContentHandover,
		evidence.ContentHandoverFailure} {
		if ev.Name() == event {
			return i
		}
	}
	return 99
}

// evidenceItem finds the recipient's address and the holder's copy of the
// confirmation message.
func evidenceItem(tx store.Tx, holder string, e store.Evidence) (EvidenceItem, error) {
	item := EvidenceItem{Evidence: e}
	rc, err := tx.CopyByID(e.CopyID)
	if err == nil && rc.Remote != "" {
		item.Recipient = rc.Remote
	} else if err == nil {
		if a, err := tx.AccountByID(rc.AccountID); err == nil {
			item.Recipient = a.Address
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return item, err
	}
	if e.ConfirmationID == "" {
		return item, nil
	}
	copies, err := tx.CopiesOfLetter(e.ConfirmationID)
	if err != nil {
		return item, err
	}
	for _, c := range copies {
		if c.AccountID == holder {
			item.Confirmation = c.ID
		}
	}
	return item, nil
}

// EvidenceFile returns one evidence, if p may have it; evidence of someone
// else's looks missing.
func (s *Service) EvidenceFile(ctx context.Context, p *auth.Principal, id string) (*store.Evidence, error) {
	var out *store.Evidence
	missing := problem.New(problem.NotFound, "id", "not_found", "no evidence %s for this mailbox", id)
	err := s.Store.View(ctx, func(tx store.Tx) error {
		e, err := tx.EvidenceByID(id)
		if errors.Is(err, store.ErrNotFound) {
			return missing
		}
		if err != nil {
			return err
		}
		if e.LetterID == "" {
			// The rejection of a letter never stored: its holder is
			// whoever has its confirmation message.
			copies, err := tx.CopiesOfLetter(e.ConfirmationID)
			if err != nil {
				return err
			}
			for _, c := range copies {
				if c.AccountID == p.Account.ID {
					out = e
					return nil
				}
			}
			return missing
		}
		copies, err := tx.CopiesOfLetter(e.LetterID)
		if err != nil {
			return err
		}
		for i := range copies {
			c := &copies[i]
			if c.AccountID != p.Account.ID || !mayHaveEvidence(c, e) {
				continue
			}
			if c.Letter == nil {
				if c.Letter, err = tx.LetterByID(c.LetterID); err != nil {
					return err
				}
			}
			if Hidden(c, p.Level()) {
				return problem.New(problem.Forbidden, "", "login_level",
					"this evidence is of a personal letter: log in at high (step up with a second factor) to have it")
			}
			out = e
			return nil
		}
		return missing
	})
	return out, err
}
