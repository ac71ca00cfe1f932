package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/siegel-mail/siegel/internal/api"
)

// SearchQuery is a search of the holder's mailbox (GET /api/v1/search;
// docs/api.md says what each part matches). Empty parts are left out.
type SearchQuery struct {
	Text                          string // q
	From, To, Subject, FileNumber string
	After, Before                 string // a day YYYY-MM-DD or an RFC 3339 time
	Options, States               []string
	Folder                        string // "" for every folder but the trash
	IncludeTrash                  bool
	Limit                         int
	Cursor                        string // a previous page's Next
}

// Search finds letters of the mailbox, newest first, a page at a time.
func (c *Client) Search(ctx context.Context, q *SearchQuery) (*api.LetterList, error) {
	v := url.Values{}
	for name, val := range map[string]string{"q": q.Text, "from": q.From, "to": q.To, "subject": q.Subject,
		"file_number": q.FileNumber, "after": q.After, "before": q.Before, "folder": q.Folder, "cursor": q.Cursor} {
		if val != "" {
			v.Set(name, val)
		}
	}
	v["option"], v["state"] = q.Options, q.States
	if q.IncludeTrash {
		v.Set("include_trash", "true")
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	var out api.LetterList
	return &out, c.do(ctx, "GET", "/api/v1/search?"+v.Encode(), nil, &out)
}
