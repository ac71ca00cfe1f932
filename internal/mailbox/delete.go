package mailbox

import (
	"context"
	"errors"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Deleted says what a delete did.
type Deleted struct {
	Final bool // false: moved to the trash
}

// Delete is two-stage: a copy outside the trash moves to the trash; a copy in the
// trash is deleted for good (TR PVD-FU §3.1.2). Letters that need high may be
// deleted only at high, and letters with receipt or pickup confirmation not at
// normal within 90 days of arrival (SPEC "Dispatch options").
func (s *Service) Delete(ctx context.Context, p *auth.Principal, id string) (*Deleted, error) {
	now := s.Clock.Now()
	var out Deleted
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		c, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		if err := s.checkDelete(c, p.Level(), now); err != nil {
			return err
		}
		if c.Folder != store.Trash {
			c.PrevFolder, c.Folder, c.TrashedAt = c.Folder, store.Trash, now
			if err := tx.UpdateCopy(c); err != nil {
				return err
			}
			return tx.InsertEvent(&store.Event{ID: store.NewID(now), LetterID: c.LetterID, CopyID: c.ID,
				AccountID: c.AccountID, Kind: store.EventTrashed, At: now, Level: p.Level()})
		}
		out.Final = true
		if err := tx.DeleteCopy(c.ID); err != nil {
			return err
		}
		// The event stays: it documents that the holder deleted their copy.
		return tx.InsertEvent(&store.Event{ID: store.NewID(now), LetterID: c.LetterID, CopyID: c.ID,
			AccountID: c.AccountID, Kind: store.EventDeletedFinal, At: now, Level: p.Level()})
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("letter deleted", "copy", id, "account", p.Account.ID, "final", out.Final)
	return &out, nil
}

func (s *Service) checkDelete(c *store.Copy, level account.Level, now time.Time) error {
	if level == account.High {
		return nil
	}
	if needsHigh(c) {
		return problem.New(problem.Forbidden, "", "login_level", "a personal letter can be deleted only at high")
	}
	l := c.Letter
	if (l.ReceiptConfirmation || l.PickupConfirmation) && now.Sub(c.Arrived) < DeleteGuard {
		until := c.Arrived.Add(DeleteGuard).Format("2006-01-02")
		return problem.New(problem.Forbidden, "", "retention",
			"a letter with receipt or pickup confirmation can be deleted at normal only from %s on; log in at high to delete it now", until)
	}
	return nil
}

// Restore moves a copy from the trash back to where it was: the folder
// it was deleted from, or, if that was one of the holder's folders that
// is gone since, Inbox or Sent.
func (s *Service) Restore(ctx context.Context, p *auth.Principal, id string) (*store.Copy, error) {
	var out *store.Copy
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		c, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		if c.Folder != store.Trash {
			return problem.New(problem.Conflict, "id", "not_in_trash", "letter %s is not in the trash", id)
		}
		c.Folder, c.PrevFolder, c.TrashedAt = c.PrevFolder, "", time.Time{}
		// A letter deleted from one of the holder's folders that is gone
		// since goes back to where it belongs (folders.go).
		if fid, ok := c.Folder.UserFolderID(); ok {
			if _, err := tx.FolderByID(p.Account.ID, fid); errors.Is(err, store.ErrNotFound) {
				c.Folder = HomeFolder(c)
			} else if err != nil {
				return err
			}
		}
		out = c
		return tx.UpdateCopy(c)
	})
	return out, err
}
