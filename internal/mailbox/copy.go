package mailbox

import (
	"context"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// MaxCopiesPerLetter bounds the copies one mailbox holds of one letter:
// the one that arrived and those the holder made into folders. A holder
// files a letter under a few categories, not hundreds, and the bound
// keeps a script from filling the mailbox with one letter.
const MaxCopiesPerLetter = 10

// CopyTo files a second copy of p's copy id in one of p's folders (TR
// PVD-FU §3.1.3.7: the holder may copy letters between folders) and
// returns the new copy. It refuses a letter in the trash or a
// confirmation (as Move does), a target that is not one of p's folders,
// and a folder that holds a copy of the letter already. A personal letter
// may be copied at any level: copying, like moving, shows nothing of its
// content.
func (s *Service) CopyTo(ctx context.Context, p *auth.Principal, id string, to store.Folder) (*store.Copy, error) {
	now := s.Clock.Now()
	var out *store.Copy
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		c, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		switch c.Folder {
		case store.Trash:
			return problem.New(problem.Conflict, "id", "in_trash", "letter %s is in the trash: restore it first", id)
		case store.Confirmations:
			return problem.New(problem.Conflict, "id", "confirmation", "a confirmation stays in the confirmations folder")
		}
		fid, ok := to.UserFolderID()
		if !ok {
			return problem.Field("folder", "invalid", "a letter is copied into one of your folders (f:ID); to take it back to %s, move it", HomeFolder(c))
		}
		if _, err := folderOf(tx, p, fid, "folder"); err != nil {
			return err
		}
		if err := checkCopies(tx, c, to); err != nil {
			return err
		}
		out = &store.Copy{ID: store.NewID(now), LetterID: c.LetterID, AccountID: c.AccountID, Folder: to,
			Origin: c.Source(), Role: c.Role, Header: c.Header, Arrived: c.Arrived, FirstRead: c.FirstRead,
			PickedUp: c.PickedUp, Letter: c.Letter}
		return tx.InsertCopy(out)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("letter copied", "copy", id, "new", out.ID, "account", p.Account.ID)
	return out, nil
}

// checkCopies refuses a second copy of c's letter in folder to, and more
// than MaxCopiesPerLetter copies of it in c's mailbox.
func checkCopies(tx store.Tx, c *store.Copy, to store.Folder) error {
	all, err := tx.CopiesOfLetter(c.LetterID)
	if err != nil {
		return err
	}
	n := 0
	for i := range all {
		o := &all[i]
		if o.AccountID != c.AccountID || o.Source() != c.Source() {
			continue
		}
		if o.Folder == to {
			return problem.New(problem.Conflict, "folder", "already_there", "that folder holds this letter already")
		}
		n++
	}
	if n >= MaxCopiesPerLetter {
		return problem.New(problem.Conflict, "folder", "too_many_copies",
			"this mailbox holds %d copies of this letter; at most %d are allowed", n, MaxCopiesPerLetter)
	}
	return nil
}
