package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// The search form of the folder pages (TR PVD-FU §3.1.3.8): free words, and
// an advanced part that opens with a click (a details element: no script)
// for sender, recipient, subject, file number, the arrival's days, an
// option, a state and where to search. A search is a GET of the folder page
// with these parameters, the API's names but for the last day, "until"
// (a folder's "before" is where its next page starts), so that a result
// page has an address to keep and to page on.

// searchParams are the form's parameters; each one's refusal shows at it.
func searchParams() []string {
	return []string{"q", "from", "to", "subject", "file_number", "after", "until", "option", "state", "scope"}
}

// The scopes: the folder of the page, every folder but the trash, every
// folder.
const (
	scopeFolder   = ""
	scopeAll      = "all"
	scopeAllTrash = "all_trash"
)

// searchForm is the form as entered, and how the page shows it.
type searchForm struct {
	Q      string
	Active bool // some parameter is given: the page shows results
	// Advanced holds the advanced fields; Open: one is given or refused.
	Advanced []searchField
	Open     bool
	Mixed    bool   // results of several folders: each row names its own
	Heading  string // what the results are of
}

// searchField is one field of the advanced part: an input, or a select
// when it has choices.
type searchField struct {
	Name, Label, Type, Value, Error, Hint string
	Choices                               []searchChoice
}

type searchChoice struct {
	Value, Label string
	Selected     bool
}

// searchFormOf reads the form from the query q.
func searchFormOf(q url.Values) *searchForm {
	f := &searchForm{Q: strings.TrimSpace(q.Get("q"))}
	for _, n := range searchParams() {
		if strings.TrimSpace(q.Get(n)) != "" {
			f.Active = true
		}
	}
	return f
}

// fields fills the advanced part, after the search ran (or was refused).
func (f *searchForm) fields(p *Page, q url.Values) {
	choices := func(selected string, values []string, label func(string) string) []searchChoice {
		out := []searchChoice{{Value: "", Label: p.T("search.any"), Selected: selected == ""}}
		for _, v := range values {
			out = append(out, searchChoice{Value: v, Label: label(v), Selected: v == selected})
		}
		return out
	}
	scope := q.Get("scope")
	for _, fd := range []searchField{
		{Name: "from", Type: "text"}, {Name: "to", Type: "text"}, {Name: "subject", Type: "text"},
		{Name: "file_number", Type: "text"},
		{Name: "after", Type: "date", Hint: p.T("search.hint.date")}, {Name: "until", Type: "date", Hint: p.T("search.hint.date")},
		{Name: "option", Choices: choices(q.Get("option"), search.Options(), func(v string) string { return p.T("mail.opt." + v) })},
		{Name: "state", Choices: choices(q.Get("state"), search.States(), func(v string) string { return p.T("search.state." + v) })},
		{Name: "scope", Choices: []searchChoice{
			{Value: scopeFolder, Label: p.T("search.scope.folder"), Selected: scope == scopeFolder},
			{Value: scopeAll, Label: p.T("search.scope.all"), Selected: scope == scopeAll},
			{Value: scopeAllTrash, Label: p.T("search.scope.all_trash"), Selected: scope == scopeAllTrash}}},
	} {
		fd.Label, fd.Value, fd.Error = p.T("search.field."+fd.Name), strings.TrimSpace(q.Get(fd.Name)), p.Errors[fd.Name]
		if fd.Value != "" || fd.Error != "" {
			f.Open = true
		}
		f.Advanced = append(f.Advanced, fd)
	}
	f.Heading = p.T("search.results.filters")
	if f.Q != "" {
		f.Heading = p.T("search.results", f.Q)
	}
}

// searchRequest is the form in q as a search of folder, after the copy
// before.
func searchRequest(q url.Values, folder store.Folder, before *store.Cursor) *mailbox.SearchRequest {
	r := &mailbox.SearchRequest{Query: search.Query{Text: q.Get("q"), From: q.Get("from"), To: q.Get("to"),
		Subject: q.Get("subject"), FileNumber: q.Get("file_number"), After: q.Get("after"), Before: q.Get("until")},
		Folder: folder, Cursor: before, Limit: folderPage}
	if v := q.Get("option"); v != "" {
		r.Options = []string{v}
	}
	if v := q.Get("state"); v != "" {
		r.States = []string{v}
	}
	switch q.Get("scope") {
	case scopeAll:
		r.Folder = ""
	case scopeAllTrash:
		r.Folder, r.IncludeTrash = "", true
	}
	return r
}

// searchFolder runs the search the query q asks for on folder f's page. It
// returns the page's status; a refused search shows its message at its
// field, in the page's language.
func (s *Server) searchFolder(r *http.Request, p *Page, f store.Folder, d *folderData) ([]store.Copy, *store.Cursor, int) {
	q := r.URL.Query()
	d.Search.Mixed = q.Get("scope") == scopeAll || q.Get("scope") == scopeAllTrash
	if q.Get("scope") != scopeFolder && !d.Search.Mixed {
		p.Errors["scope"] = p.T("search.err.invalid_choice")
		return nil, nil, http.StatusBadRequest
	}
	found, err := s.Mail.Search(r.Context(), p.User, searchRequest(q, f, parseCursor(q.Get("cursor"))))
	if err != nil {
		return nil, nil, s.searchProblem(p, err)
	}
	return found.Copies, found.Next, http.StatusOK
}

// searchProblem puts a refused search on the page: at its field, in the
// page's language.
func (s *Server) searchProblem(p *Page, err error) int {
	pr := problem.As(err)
	if pr == nil {
		return s.problemOf(p, err)
	}
	field := pr.Field
	if field == "before" {
		field = "until"
	}
	if !contains(searchParams(), field) {
		return s.problemOf(p, err)
	}
	key := "search.err." + pr.Code
	switch {
	case (field == "after" || field == "until") && pr.Code == "invalid":
		key = "search.err.invalid_date"
	case field == "option" || field == "state":
		key = "search.err.invalid_choice"
	}
	msg := pr.Message
	if s.cat.has(key) {
		msg = p.T(key)
	}
	p.Errors[field] = msg
	return statusOf(pr.Kind)
}

// olderLink is the address of the next page of a listing or a search.
func olderLink(path string, q url.Values, next *store.Cursor, searching bool) string {
	v := url.Values{}
	if searching {
		for _, n := range searchParams() {
			if x := strings.TrimSpace(q.Get(n)); x != "" {
				v.Set(n, x)
			}
		}
		v.Set("cursor", formatCursor(next))
	} else {
		v.Set("before", formatCursor(next))
	}
	return path + "?" + v.Encode()
}

// nameFolders names each row's folder, for a search of several folders.
func (s *Server) nameFolders(r *http.Request, p *Page, rows []folderRow, copies []store.Copy) {
	names := map[store.Folder]string{}
	if list, err := s.Mail.Folders(r.Context(), p.User); err == nil {
		for i := range list {
			names[list[i].Folder()] = list[i].Name
		}
	} else {
		s.Log.Warn("web: folders", "err", err)
	}
	for i := range rows {
		f := copies[i].Folder
		rows[i].Where = names[f]
		if _, own := f.UserFolderID(); !own {
			rows[i].Where = p.T("nav." + string(f))
		}
	}
}
