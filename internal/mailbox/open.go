package mailbox

import (
	"context"
	"errors"
	"fmt"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Opened is a letter as its reader sees it.
type Opened struct {
	Copy    *store.Copy
	Message *letter.Parsed
	Raw     []byte // the complete RFC 5322 message of this copy
	Events  []store.Event
}

// needsHigh reports whether this copy's content needs a high session: a personal
// letter, for its recipients (DMG §5(4); TR PVD-FU §3.3.2), whether its
// sender is here or at another provider. The confirmations of a personal
// letter (this provider's or, filed here, another's) likewise for the
// recipient in their Cc, but not for the letter's sender in their To, who
// wrote what they name.
func needsHigh(c *store.Copy) bool {
	if !c.Letter.Personal {
		return false
	}
	if c.Folder == store.Confirmations || (c.Folder == store.Trash && c.PrevFolder == store.Confirmations) {
		return c.Role == "cc"
	}
	return c.Role != "sender"
}

// Hidden reports whether c's content is hidden from a session at level: then only
// its sender and arrival time may be shown.
func Hidden(c *store.Copy, level account.Level) bool {
	return needsHigh(c) && level != account.High
}

// copyOf loads a copy that belongs to p; a copy of someone else's looks missing.
func (s *Service) copyOf(tx store.Tx, p *auth.Principal, id string) (*store.Copy, error) {
	c, err := tx.CopyByID(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.AccountID != p.Account.ID) {
		return nil, problem.New(problem.NotFound, "id", "not_found", "no letter %s in this mailbox", id)
	}
	return c, err
}

// Open returns a letter's content and records its first reading.
func (s *Service) Open(ctx context.Context, p *auth.Principal, id string) (*Opened, error) {
	var c *store.Copy
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		c, err = s.copyOf(tx, p, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if Hidden(c, p.Level()) {
		return nil, problem.New(problem.Forbidden, "", "login_level",
			"this is a personal letter: log in at high (step up with a second factor) to read it")
	}
	body, err := s.Body(ctx, c.Letter)
	if err != nil {
		return nil, fmt.Errorf("letter %s: body %s: %w", c.LetterID, c.Letter.BodyBlob, err)
	}
	raw := make([]byte, 0, len(c.Header)+len(body))
	raw = append(append(raw, c.Header...), body...)
	msg, err := letter.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("letter %s: parse stored message: %w", c.LetterID, err)
	}
	now := s.Clock.Now()
	first := c.FirstRead.IsZero()
	var events []store.Event
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		cur, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		if first && cur.FirstRead.IsZero() {
			cur.FirstRead = now
			if err := tx.UpdateCopy(cur); err != nil {
				return err
			}
		}
		c = cur
		events, err = tx.Events(cur.LetterID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &Opened{Copy: c, Message: msg, Raw: raw, Events: visibleEvents(events, c)}, nil
}

// visibleEvents keeps the events a reader may see: the sender sees every
// recipient's; a recipient sees the letter-wide ones and their own copy's.
func visibleEvents(all []store.Event, c *store.Copy) []store.Event {
	if c.Role == "sender" {
		return all
	}
	var out []store.Event
	for _, e := range all {
		if e.Kind == store.EventAccepted || e.CopyID == c.ID || e.CopyID == c.Source() {
			out = append(out, e)
		}
	}
	return out
}
