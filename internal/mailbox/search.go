package mailbox

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/store"
)

// SearchScan bounds how many copies one search reads: the store has no
// index over subjects and file numbers (and a sealed body none at all),
// so a search walks the folder newest first, page by page, and stops
// there. A caller goes on from Next to search older letters.
const SearchScan = 2000

// Found is one step of a search.
type Found struct {
	Copies []store.Copy
	// Next is where to go on: more matches, or letters not searched yet;
	// nil when the folder's end was reached.
	Next *store.Cursor
	// Scanned is how many copies were read; Bounded says the search
	// stopped at SearchScan with older letters left unsearched.
	Scanned int
	Bounded bool
}

// Search finds, in p's folder and from before on, up to limit copies
// whose sender, subject or file number (and, in the sender's own copies,
// recipients) contain query, ignoring case. A letter whose content is
// hidden from p's session (Hidden: a personal letter at normal) matches
// by its sender only, so that a search reveals nothing a listing would
// not (DMG §5(4)).
func (s *Service) Search(ctx context.Context, p *auth.Principal, folder store.Folder, query string, before *store.Cursor, limit int) (*Found, error) {
	if limit <= 0 || limit > MaxPage {
		limit = MaxPage
	}
	q := strings.ToLower(strings.TrimSpace(query))
	out := &Found{}
	cur := before
	for out.Scanned < SearchScan {
		page, next, err := s.List(ctx, p, folder, cur, min(MaxPage, SearchScan-out.Scanned))
		if err != nil {
			return nil, err
		}
		for i := range page {
			out.Scanned++
			c := &page[i]
			if !matches(c, q, Hidden(c, p.Level())) {
				continue
			}
			out.Copies = append(out.Copies, *c)
			if len(out.Copies) == limit {
				if i < len(page)-1 || next != nil {
					out.Next = &store.Cursor{Arrived: c.Arrived, ID: c.ID}
				}
				return out, nil
			}
		}
		if next == nil {
			return out, nil
		}
		cur = next
	}
	out.Next, out.Bounded = cur, true
	return out, nil
}

// matches reports whether copy c matches the lower-cased query q.
func matches(c *store.Copy, q string, hidden bool) bool {
	l := c.Letter
	if q == "" || strings.Contains(strings.ToLower(l.SenderAddress), q) {
		return true
	}
	if hidden {
		return false
	}
	if strings.Contains(strings.ToLower(l.Subject), q) || strings.Contains(strings.ToLower(l.PrivateID), q) {
		return true
	}
	if c.Role != "sender" {
		return false
	}
	var r map[string][]string
	if json.Unmarshal(l.Recipients, &r) != nil {
		return false
	}
	for _, list := range r {
		for _, a := range list {
			if strings.Contains(strings.ToLower(a), q) {
				return true
			}
		}
	}
	return false
}
