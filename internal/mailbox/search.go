package mailbox

import (
	"context"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// SearchRequest is a search in the holder's mailbox (TR PVD-FU §3.1.3.8).
type SearchRequest struct {
	search.Query
	// Folder is the one folder searched (a system folder or one of the
	// holder's); "" searches every folder but the trash, and the trash too
	// with IncludeTrash.
	Folder       store.Folder
	IncludeTrash bool
	Cursor       *store.Cursor // go on after this copy, as List
	Limit        int           // at most MaxPage; 0 is 50
}

// Found is a page of a search.
type Found struct {
	Copies []store.Copy
	Next   *store.Cursor // where the next page starts; nil at the end
}

// Search finds the copies of p's mailbox that match r, newest first,
// through the store's index: a search over 100,000 letters reads a few
// thousand index rows at most. A copy whose content is hidden from p's
// session (Hidden: a personal letter at normal) matches only by what a
// listing shows of it, its sender, arrival, that it is personal and whether
// it was read, so that a search reveals nothing a listing would not
// (DMG §5(4)). Callers must hide the content of such copies, as for List.
func (s *Service) Search(ctx context.Context, p *auth.Principal, r *SearchRequest) (*Found, error) {
	switch r.Folder {
	case "", store.Inbox, store.Sent, store.Trash, store.Confirmations:
	default:
		if _, own := r.Folder.UserFolderID(); !own {
			return nil, problem.Field("folder", "invalid", "folder must be inbox, sent, trash, confirmations or one of yours (f:ID)")
		}
	}
	limit := r.Limit
	if limit <= 0 {
		limit = 50
	}
	if limit > MaxPage {
		return nil, problem.Field("limit", "too_large", "limit must be at most %d", MaxPage)
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	plan, err := r.Plan(loc)
	if err != nil {
		return nil, err
	}
	q := &store.SearchQuery{AccountID: p.Account.ID, Conds: plan.Conds, After: plan.After, Before: plan.Before,
		Folder: r.Folder, IncludeTrash: r.IncludeTrash, ContentHidden: p.Level() != account.High, Cursor: r.Cursor,
		Limit: limit + 1}
	var out []store.Copy
	err = s.Store.View(ctx, func(tx store.Tx) error {
		if id, ok := r.Folder.UserFolderID(); ok {
			if _, err := folderOf(tx, p, id, "folder"); err != nil {
				return err
			}
		}
		var err error
		out, err = tx.SearchCopies(q)
		return err
	})
	if err != nil {
		return nil, err
	}
	f := &Found{Copies: out}
	if len(out) > limit {
		f.Copies = out[:limit]
		last := f.Copies[limit-1]
		f.Next = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
	return f, nil
}
