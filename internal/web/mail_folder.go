package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// folderPage is how many letters a folder page shows.
const folderPage = 25

// mailHome sends /mail/ to the inbox.
func (s *Server) mailHome(w http.ResponseWriter, r *http.Request) {
	http.Redirect(w, r, "/mail/inbox", http.StatusSeeOther)
}

type folderData struct {
	Folder  string
	Path    string // the page's path: /mail/inbox, or /mail/f/ID (folders.go)
	Name    string // the name of one of the holder's folders; "" for a system folder
	ID      string // its id
	Letters int    // its letters
	Query   string
	Rows    []folderRow
	Older   string // the next page's link, "" at the end
	Scanned int    // letters a search read
	Bounded bool   // the search stopped at mailbox.SearchScan letters
	Limit   int    // mailbox.SearchScan, for the page to name
	Sent    bool   // the rows name recipients, not senders
}

type folderRow struct {
	ID      string
	Who     string // the sender, or in Sent the recipients
	Subject string
	Arrived time.Time
	// Hidden: a personal letter at normal, of which only the sender and
	// arrival may be shown (DMG §5(4); TR PVD-FU §3.3.1).
	Hidden    bool
	Personal  bool
	Unread    bool
	PrivateID string
	Options   []string // message keys of the options chosen, besides personal
}

// folder lists a folder newest first, a page at a time, or searches it
// (?q=): by sender, subject and file number.
func (s *Server) folder(w http.ResponseWriter, r *http.Request) {
	f := store.Folder(r.PathValue("folder"))
	switch f {
	case store.Inbox, store.Sent, store.Confirmations, store.Trash:
	default:
		s.fail(w, r, http.StatusNotFound, "err.not_found")
		return
	}
	p := s.page(r, "nav."+string(f))
	p.Notice = noticeOf(r)
	s.showFolder(w, r, p, f, &folderData{Path: folderURL(f), Sent: f == store.Sent})
}

// folderURL is the page of folder f.
func folderURL(f store.Folder) string {
	if id, ok := f.UserFolderID(); ok {
		return "/mail/f/" + id
	}
	return "/mail/" + string(f)
}

// showFolder lists f on p, with what d says of it already.
func (s *Server) showFolder(w http.ResponseWriter, r *http.Request, p *Page, f store.Folder, d *folderData) {
	u := p.User
	q := r.URL.Query()
	d.Folder, d.Query, d.Limit = string(f), strings.TrimSpace(q.Get("q")), mailbox.SearchScan
	p.Data = d
	before := parseCursor(q.Get("before"))
	var copies []store.Copy
	var next *store.Cursor
	if d.Query != "" {
		found, err := s.Mail.Search(r.Context(), u, f, d.Query, before, folderPage)
		if err != nil {
			s.render(w, r, "mail_folder", p, s.problemOf(p, err))
			return
		}
		copies, next, d.Scanned, d.Bounded = found.Copies, found.Next, found.Scanned, found.Bounded
	} else {
		var err error
		copies, next, err = s.Mail.List(r.Context(), u, f, before, folderPage)
		if err != nil {
			s.render(w, r, "mail_folder", p, s.problemOf(p, err))
			return
		}
	}
	for i := range copies {
		d.Rows = append(d.Rows, rowOf(&copies[i], u.Level()))
	}
	if next != nil {
		v := url.Values{"before": {formatCursor(next)}}
		if d.Query != "" {
			v.Set("q", d.Query)
		}
		d.Older = d.Path + "?" + v.Encode()
	}
	s.render(w, r, "mail_folder", p, http.StatusOK)
}

// rowOf is one copy as a folder shows it; a hidden one shows its sender
// and arrival only, as the API's listing does.
func rowOf(c *store.Copy, level account.Level) folderRow {
	l := c.Letter
	row := folderRow{ID: c.ID, Who: l.SenderAddress, Arrived: c.Arrived, Personal: l.Personal,
		Unread: c.FirstRead.IsZero() && c.Role != "sender"}
	if c.Role == "sender" {
		row.Who = recipientsOf(l)
	}
	if mailbox.Hidden(c, level) {
		row.Hidden = true
		return row
	}
	row.Subject, row.PrivateID = l.Subject, l.PrivateID
	for _, o := range []struct {
		on  bool
		key string
	}{{l.SenderConfirmed, "mail.opt.sender_confirmed"}, {l.DispatchConfirmation, "mail.opt.dispatch_confirmation"},
		{l.ReceiptConfirmation, "mail.opt.receipt_confirmation"}, {l.PickupConfirmation, "mail.opt.pickup_confirmation"}} {
		if o.on {
			row.Options = append(row.Options, o.key)
		}
	}
	return row
}

// recipientsOf names a letter's recipients, for its sender.
func recipientsOf(l *store.Letter) string {
	var r struct{ To, Cc, Bcc []string }
	if json.Unmarshal(l.Recipients, &r) != nil {
		return ""
	}
	return strings.Join(append(append(r.To, r.Cc...), r.Bcc...), ", ")
}
