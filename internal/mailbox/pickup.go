package mailbox

import (
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/store"
)

// RecordPickups records, within a login's transaction, that the account's
// holder logged in at high: every letter with pickup confirmation that arrived
// before and was not picked up yet is picked up now. DMG §5(9): the pickup
// confirmation proves the recipient's first secure login after the letter
// arrived in the mailbox, whether or not the letter is opened.
func (s *Service) RecordPickups(tx store.Tx, accountID string, now time.Time) error {
	pending, err := tx.PendingPickups(accountID)
	if err != nil {
		return err
	}
	for i := range pending {
		c := &pending[i]
		if c.Arrived.After(now) {
			continue
		}
		c.PickedUp = now
		if err := tx.UpdateCopy(c); err != nil {
			return err
		}
		ev := &store.Event{ID: store.NewID(now), LetterID: c.LetterID, CopyID: c.ID,
			AccountID: accountID, Kind: store.EventPickedUp, At: now, Level: account.High}
		if err := tx.InsertEvent(ev); err != nil {
			return err
		}
		if err := tx.Enqueue(evidenceJob(evidence.ContentHandover, ev, c)); err != nil {
			return err
		}
	}
	if len(pending) > 0 {
		s.Log.Info("letters picked up", "account", accountID, "letters", len(pending))
	}
	return nil
}
