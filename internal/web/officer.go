package web

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// officerPageSize is how many accounts a list shows at once.
const officerPageSize = 25

// officerHome is the officers' console: the applications that wait for an
// officer, those that wait for a second officer's confirmation (four-eyes,
// TR ACM-FU §2.3), and a lookup of any account by id or address. With
// ?status= it pages through the accounts in one status instead. A lookup
// is a GET: it changes nothing, and the result can be bookmarked.
func (s *Server) officerHome(w http.ResponseWriter, r *http.Request) {
	p := s.officerPage(r, "officer.title")
	q := r.URL.Query()
	p.Form = q
	status := http.StatusOK
	if look := strings.TrimSpace(q.Get("q")); look != "" {
		id, err := s.officerLookup(r.Context(), look)
		if err == nil {
			http.Redirect(w, r, "/officer/account/"+url.PathEscape(id), http.StatusSeeOther)
			return
		}
		status = s.regProblem(p, err, "officer", func(string) string { return "q" }, "q")
	}
	d := officerHomeData{Status: account.Status(q.Get("status"))}
	for _, st := range []account.Status{account.Pending, account.AwaitingConfirmation, account.Verified, account.Active, account.Closed} {
		d.Statuses = append(d.Statuses, officerStatusLink{Status: st, Current: st == d.Status})
	}
	shown := []account.Status{account.Pending, account.AwaitingConfirmation}
	after := ""
	if d.Status.Valid() {
		shown, after = []account.Status{d.Status}, q.Get("after")
	} else {
		d.Status = ""
	}
	for _, st := range shown {
		accs, err := s.Reg.List(r.Context(), st, after, officerPageSize+1)
		if err != nil {
			s.render(w, r, "error", p, s.problemOf(p, err))
			return
		}
		l := officerAccountList{Status: st}
		if len(accs) > officerPageSize {
			accs = accs[:officerPageSize]
			l.Next = "/officer?status=" + url.QueryEscape(string(st)) + "&after=" + url.QueryEscape(accs[len(accs)-1].ID)
		}
		l.Accounts = accs
		d.Lists = append(d.Lists, l)
	}
	d.Paged = after != ""
	p.Data = d
	s.render(w, r, "officer", p, status)
}

type officerHomeData struct {
	Status   account.Status // the one status listed; "" for the overview
	Statuses []officerStatusLink
	Lists    []officerAccountList
	Paged    bool // not the first page
}

type officerStatusLink struct {
	Status  account.Status
	Current bool
}

type officerAccountList struct {
	Status   account.Status
	Accounts []store.Account
	Next     string // the next page, "" when this is the last
}

// officerLookup finds an account by its id or, when look holds an @, by
// its address in canonical form.
func (s *Server) officerLookup(ctx context.Context, look string) (string, error) {
	if !strings.Contains(look, "@") {
		a, _, err := s.Reg.Account(ctx, look)
		if err != nil {
			return "", err
		}
		return a.ID, nil
	}
	addr, err := address.Parse(look)
	if err != nil {
		return "", err
	}
	// The registration service looks accounts up by id only; an address is
	// read straight from the store, which changes nothing.
	var id string
	err = s.Reg.Store.View(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByAddress(addr.String())
		if err == nil {
			id = a.ID
		}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return "", problem.New(problem.NotFound, "", "not_found", "no account %s", addr)
	}
	return id, err
}
