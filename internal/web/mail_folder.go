package web

import (
	"encoding/json"
	"net/http"
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
	Path    string     // the page's path: /mail/inbox, or /mail/f/ID (folders.go)
	Name    string     // the name of one of the holder's folders; "" for a system folder
	ID      string     // its id
	Letters int        // its letters
	Search  searchForm // mail_search.go; zero on a page that lists nothing
	Rows    []folderRow
	Older   string // the next page's link, "" at the end
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
	// Where is the folder's name, in a search of several folders.
	Where string
}

// folder lists a folder newest first, a page at a time, or searches it,
// or every folder (mail_search.go).
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
	d.Folder, d.Search = string(f), *searchFormOf(q)
	p.Data = d
	s.showQuota(r, p)
	var copies []store.Copy
	var next *store.Cursor
	status := http.StatusOK
	if d.Search.Active {
		copies, next, status = s.searchFolder(r, p, f, d)
	} else {
		var err error
		copies, next, err = s.Mail.List(r.Context(), u, f, parseCursor(q.Get("before")), folderPage)
		if err != nil {
			d.Search.fields(p, q)
			s.render(w, r, "mail_folder", p, s.problemOf(p, err))
			return
		}
	}
	d.Search.fields(p, q)
	for i := range copies {
		d.Rows = append(d.Rows, rowOf(&copies[i], u.Level()))
	}
	if d.Search.Mixed {
		s.nameFolders(r, p, d.Rows, copies)
	}
	if next != nil {
		d.Older = olderLink(d.Path, q, next, d.Search.Active)
	}
	s.render(w, r, "mail_folder", p, status)
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
