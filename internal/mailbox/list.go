package mailbox

import (
	"context"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// MaxPage bounds one listing.
const MaxPage = 200

// List returns a page of a folder (a system folder or one of p's own:
// folders.go), newest first, and the cursor of the next page
// (nil at the end). Callers must hide the content of copies for which Hidden
// reports true.
func (s *Service) List(ctx context.Context, p *auth.Principal, folder store.Folder, before *store.Cursor, limit int) ([]store.Copy, *store.Cursor, error) {
	_, own := folder.UserFolderID()
	switch folder {
	case store.Inbox, store.Sent, store.Trash, store.Confirmations:
	default:
		if !own {
			return nil, nil, problem.Field("folder", "invalid", "folder must be inbox, sent, trash, confirmations or one of yours (f:ID)")
		}
	}
	if limit <= 0 {
		limit = 50
	}
	if limit > MaxPage {
		return nil, nil, problem.Field("limit", "too_large", "limit must be at most %d", MaxPage)
	}
	var out []store.Copy
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if id, ok := folder.UserFolderID(); ok {
			if _, err := folderOf(tx, p, id, "folder"); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.ListCopies(p.Account.ID, folder, before, limit+1)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var next *store.Cursor
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		next = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
	return out, next, nil
}
