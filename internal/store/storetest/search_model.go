package storetest

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// modelCopy is a copy as the model sees it: its terms and what a search
// filters by.
type modelCopy struct {
	c      *store.Copy
	terms  map[string]search.Field
	hidden bool
}

// hiddenAtNormal is mailbox.Hidden at normal: a personal letter's content
// is its recipients' at high only, and so is that of its confirmations for
// the recipient in their Cc.
func hiddenAtNormal(c *store.Copy, l *store.Letter) bool {
	if !l.Personal {
		return false
	}
	if c.Folder == store.Confirmations || (c.Folder == store.Trash && c.PrevFolder == store.Confirmations) {
		return c.Role == "cc"
	}
	return c.Role != "sender"
}

// matches is the model of store.SearchQuery: every condition, the folder,
// the arrival range and the cursor.
func (m *modelCopy) matches(q *store.SearchQuery) bool {
	c := m.c
	switch {
	case q.Folder != "" && c.Folder != q.Folder,
		q.Folder == "" && !q.IncludeTrash && c.Folder == store.Trash,
		!q.After.IsZero() && c.Arrived.Before(q.After),
		!q.Before.IsZero() && !c.Arrived.Before(q.Before),
		q.Cursor != nil && !(c.Arrived.Before(q.Cursor.Arrived) || c.Arrived.Equal(q.Cursor.Arrived) && c.ID < q.Cursor.ID):
		return false
	}
	for _, cond := range q.Conds {
		want := cond.Fields
		if q.ContentHidden && m.hidden {
			want &= search.Shown
		}
		ok := false
		for term, f := range m.terms {
			if (term == cond.Term || cond.Prefix && strings.HasPrefix(term, cond.Term)) && f&want != 0 {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// testSearchModel fills a mailbox of 2,600 copies (more than the rows a
// store reads and sorts, so that common terms are walked in order and rare
// ones sorted) and compares many searches, paged, with the model.
func testSearchModel(t *testing.T, s store.Store) {
	rnd := rand.New(rand.NewPCG(7, 11))
	senders := []string{"stadt_musterstadt@a.test", "finanzamt.bonn@a.test", "hans.mueller@b.test", "firma.findig@c.test"}
	subjects := []string{"Bescheid", "Bescheid Grundsteuer", "Bescheid Steuererklärung", "Rechnung", "Mahnung Straße",
		"Bescheid über Müll", "Einladung"}
	var model []*modelCopy
	var ls []*store.Letter
	var cs []*store.Copy
	bank := store.UserFolder("f-1")
	for i := range 2600 {
		l := searchLetter(fmt.Sprintf("let-%04d", i), senders[rnd.IntN(len(senders))], subjects[rnd.IntN(len(subjects))],
			fmt.Sprintf("AZ-%d/%02d", rnd.IntN(300), rnd.IntN(30)), `{"to":["erika.mustermann@b.test"],"bcc":["x.y@b.test"]}`)
		l.Personal, l.ReceiptConfirmation = rnd.IntN(10) == 0, rnd.IntN(4) == 0
		// Ties: several copies arrive in the same second; ids are not in
		// arrival order.
		c := newCopy(fmt.Sprintf("c-%05d-%04d", rnd.IntN(100000), i), l.ID, "acct-me", store.Inbox,
			at(time.Duration(rnd.IntN(2000))*time.Second))
		switch r := rnd.IntN(20); {
		case r == 0:
			c.Folder, c.Role = store.Sent, "sender"
		case r == 1:
			c.Folder = bank
		case r == 2:
			c.Folder, c.PrevFolder, c.TrashedAt = store.Trash, store.Inbox, at(time.Hour)
		case r == 3:
			c.Folder, c.Role = store.Confirmations, "cc"
		}
		if rnd.IntN(2) == 0 {
			c.FirstRead = at(time.Hour)
		}
		received, sent := termsOf(t, l)
		terms := received
		if c.Role == "sender" {
			terms = sent
		}
		terms = maps.Clone(terms)
		if c.Role != "sender" {
			terms[map[bool]string{false: "~unread", true: "~read"}[!c.FirstRead.IsZero()]] = search.Listed
		}
		ls, cs = append(ls, l), append(cs, c)
		model = append(model, &modelCopy{c: c, terms: terms, hidden: hiddenAtNormal(c, l)})
	}
	update(t, s, func(tx store.Tx) error {
		for _, l := range ls {
			if err := tx.InsertLetter(l); err != nil {
				return err
			}
		}
		return tx.InsertCopy(cs...)
	})
	w := func(f search.Field, text string) []search.Cond { return words(f, text) }
	queries := []store.SearchQuery{
		{},
		{Conds: w(search.Text, "bescheid")},
		{Conds: w(search.Text, "b")},
		{Conds: w(search.Text, "mahnung")},
		{Conds: w(search.Text, "strasse")},
		{Conds: w(search.Text, "müll")},
		{Conds: w(search.Text, "bescheid mueller")},
		{Conds: w(search.InSender, "musterstadt"), After: at(500 * time.Second), Before: at(900 * time.Second)},
		{Conds: w(search.InFileNumber, "AZ-12")},
		{Conds: w(search.InRecipients, "x")},
		{Conds: w(search.Text, "einladung"), Folder: bank},
		{Conds: []search.Cond{attr("personal")}},
		{Conds: []search.Cond{attr("receipt_confirmation"), attr("unread")}},
		{Conds: append(w(search.Text, "bescheid"), attr("read")), Folder: store.Inbox},
		{Folder: store.Inbox},
		{Folder: store.Trash},
		{IncludeTrash: true, After: at(1000 * time.Second)},
		{Before: at(100 * time.Second)},
		{Conds: w(search.Text, "rechnung"), IncludeTrash: true},
	}
	for i, q := range queries {
		for _, hidden := range []bool{false, true} {
			q := q
			q.AccountID, q.ContentHidden = "acct-me", hidden
			name := fmt.Sprintf("query %d, hidden %v", i, hidden)
			var want []string
			for _, m := range model {
				if m.matches(&q) {
					want = append(want, m.c.ID)
				}
			}
			sortNewest(model, want)
			check(t, name+": one page", found(t, s, withLimit(q, 3000)), nonNilIDs(want))
			check(t, name+": paged", pageAll(t, s, q, 7+i), nonNilIDs(want))
		}
	}
}

func withLimit(q store.SearchQuery, n int) store.SearchQuery {
	q.Limit = n
	return q
}

func nonNilIDs(ids []string) []string {
	if ids == nil {
		return []string{}
	}
	return ids
}

// sortNewest sorts ids as a search lists them: by arrival, then id, both
// descending.
func sortNewest(model []*modelCopy, ids []string) {
	arrived := map[string]time.Time{}
	for _, m := range model {
		arrived[m.c.ID] = m.c.Arrived
	}
	slices.SortFunc(ids, func(a, b string) int {
		if c := arrived[b].Compare(arrived[a]); c != 0 {
			return c
		}
		return strings.Compare(b, a)
	})
}

// pageAll runs q page by page, each after the last copy of the one before.
func pageAll(t *testing.T, s store.Store, q store.SearchQuery, limit int) []string {
	t.Helper()
	out := []string{}
	q.Limit = limit
	for range 1000 {
		var page []store.Copy
		view(t, s, func(tx store.Tx) (err error) {
			page, err = tx.SearchCopies(&q)
			return err
		})
		if len(page) > limit {
			t.Fatalf("a page of %d copies, limit %d", len(page), limit)
		}
		out = append(out, copyIDs(page)...)
		if len(page) < limit {
			return out
		}
		last := page[len(page)-1]
		q.Cursor = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
	t.Fatal("paging did not end")
	return nil
}
