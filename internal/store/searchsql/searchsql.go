// Package searchsql is the SQL of a mailbox search (store.SearchTx), the
// same for both stores: they share the index's schema (table search_terms,
// one row per term of each copy, keyed by account, term, arrival and copy;
// the migrations make it) and differ only in how they bind a time.
//
// # How a search runs
//
// Every condition of a search is a term (package search), so every one is a
// range of the index, newest first within a term. A search starts from one
// of them, the driver, and checks the others copy by copy through the index
// on (copy_id, term), the rarest first, and only until the page is full. The
// driver is what has the fewest rows, so a search first counts them, each
// count stopping at SortLimit:
//
//   - A single term (an option, a state, "~all": every copy's) or the
//     folder searched is walked in the index's order from the newest copy.
//   - A word matches by prefix, which is a range of terms and so not in
//     arrival order: it drives only when it has fewer than SortLimit rows,
//     which are then read and sorted first.
//
// A rare condition thus makes a search read its few rows; when all are
// common, matches are dense, and the walk stops after a few hundred copies.
// Conditions that are common alone and rare together (two common words that
// seldom meet) walk far: the one case that reads much of a mailbox.
package searchsql

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
)

// SortLimit is the most rows of a driver that a search reads and sorts; a
// count stops there.
const SortLimit = 5000

// Binder is how a store binds times.
type Binder struct {
	Time   func(time.Time) any // the zero time binds as earlier than any
	Latest any                 // later than any time
}

// Statement is SQL with ? placeholders and its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// plan is a query's conditions in the order the statements name them:
// words (prefix ranges), then attribute terms, then TermAll.
type plan struct {
	q      *store.SearchQuery
	conds  []search.Cond
	lo, hi any    // the arrival range's bounds, bound
	hiID   string // with hi, the cursor's id ("" for none)
	counts []int  // each condition's rows, up to SortLimit (Counts)
}

func newPlan(q *store.SearchQuery, b Binder) *plan {
	p := &plan{q: q}
	for _, c := range q.Conds {
		if c.Prefix {
			p.conds = append(p.conds, c)
		}
	}
	for _, c := range q.Conds {
		if !c.Prefix && c.Term != search.TermAll {
			p.conds = append(p.conds, c)
		}
	}
	p.conds = append(p.conds, search.Cond{Term: search.TermAll, Fields: search.Listed})
	p.lo, p.hi = b.Time(q.After), b.Latest
	if !q.Before.IsZero() {
		p.hi = b.Time(q.Before)
	}
	if c := q.Cursor; c != nil && (q.Before.IsZero() || c.Arrived.Before(q.Before)) {
		p.hi, p.hiID = b.Time(c.Arrived), c.ID
	}
	return p
}

// upper is the next string after every one that begins with prefix.
func upper(prefix string) string { return prefix + "\U0010FFFF" }

// bounds is the range of terms c matches: [lo, hi).
func bounds(c search.Cond) (string, string) {
	if c.Prefix {
		return c.Term, upper(c.Term)
	}
	// No term holds a control character: only the term itself lies below.
	return c.Term, c.Term + "\x01"
}

// fields are the field bits c may match in: in a copy whose content is
// hidden from the session, only those a listing shows; in the others, all.
func (p *plan) fields(c search.Cond) (inHidden, inOthers int) {
	f := c.Fields
	if p.q.ContentHidden {
		return int(f & search.Shown), int(f)
	}
	return int(f), int(f)
}

// Counts is one statement whose one row holds how many rows, up to
// SortLimit, some of the conditions and the folder have, and into says
// where each of its columns goes in the counts Select takes; SQL is "" when
// nothing needs counting. A word's count ignores the arrival range: its
// rows are not ordered by arrival, and the count must stay cheap. Not
// counted: "~all" unless a range narrows it (every copy: as many as any),
// and the folder when no other condition competes with it.
func Counts(q *store.SearchQuery, b Binder) (st Statement, into []int) {
	p := newPlan(q, b)
	var sql []string
	ranged := !q.After.IsZero() || !q.Before.IsZero() || q.Cursor != nil
	for i, c := range p.conds {
		switch {
		case c.Prefix:
			lo, hi := bounds(c)
			sql = append(sql, `(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE account_id = ? AND term >= ?
				AND term < ? LIMIT ?) x)`)
			st.Args = append(st.Args, q.AccountID, lo, hi, SortLimit)
		case c.Term != search.TermAll || ranged && len(p.conds) > 1:
			sql = append(sql, `(SELECT count(*) FROM (SELECT 1 FROM search_terms WHERE account_id = ? AND term = ?
				AND arrived >= ? AND arrived < ? LIMIT ?) x)`)
			st.Args = append(st.Args, q.AccountID, c.Term, p.lo, p.hi, SortLimit)
		default:
			continue
		}
		into = append(into, i)
	}
	if q.Folder != "" && len(p.conds) > 1 {
		sql = append(sql, `(SELECT count(*) FROM (SELECT 1 FROM copies WHERE account_id = ? AND folder = ?
			AND arrived >= ? AND arrived < ? LIMIT ?) x)`)
		st.Args = append(st.Args, q.AccountID, string(q.Folder), p.lo, p.hi, SortLimit)
		into = append(into, len(p.conds))
	}
	if len(sql) > 0 {
		st.SQL = "SELECT " + strings.Join(sql, ", ")
	}
	return st, into
}

// NewCounts are the counts Select takes before Counts' row is read into
// them: as many as a count can say, for what is not counted.
func NewCounts(q *store.SearchQuery) []int {
	out := make([]int, len(q.Conds)+2)
	for i := range out {
		out[i] = SortLimit
	}
	return out
}

// Select is the statement that lists the ids of the copies that match q,
// newest first, at most q.Limit, in rows of (id, arrival); counts are
// NewCounts' with Counts' row in them.
//
// The driver is what has the fewest rows: the folder or a single term,
// walked in the index's order; or a word's terms, when fewer than
// SortLimit, read and sorted first. Either way the other conditions are
// checked a copy at a time in that order, the rarest first, and only until
// the page is full.
func Select(q *store.SearchQuery, counts []int, b Binder) Statement {
	p := newPlan(q, b)
	p.counts = counts
	best, bestN := -1, SortLimit+1 // -1: the folder
	if q.Folder != "" {
		// At a tie the folder drives: its own index has its order.
		bestN = counts[len(p.conds)]
	}
	for i, c := range p.conds {
		// A word's terms drive only when they are few enough to sort.
		if n := counts[i]; n < bestN && (!c.Prefix || n < SortLimit) {
			best, bestN = i, n
		}
	}
	if best == -1 {
		return p.byFolder()
	}
	return p.byTerm(best)
}

// byFolder walks the folder's copies newest first (the index
// copies_mailbox) and checks every condition.
func (p *plan) byFolder() Statement {
	var s strings.Builder
	args := []any{p.q.AccountID, string(p.q.Folder), p.lo, p.hi, p.hiID}
	s.WriteString(`SELECT c.id AS copy_id, c.arrived FROM copies c WHERE c.account_id = ? AND c.folder = ?
		AND c.arrived >= ? AND (c.arrived, c.id) < (?, ?)`)
	args = p.probes(&s, "c.id", -1, args)
	s.WriteString(` ORDER BY c.arrived DESC, c.id DESC LIMIT ?`)
	return Statement{SQL: s.String(), Args: append(args, p.q.Limit)}
}

// byTerm starts from condition d: a single term walked in the index's
// order, or a word's terms (fewer than SortLimit) sorted first.
func (p *plan) byTerm(d int) Statement {
	var s strings.Builder
	c := p.conds[d]
	args := []any{p.q.AccountID}
	col := "s.copy_id"
	if c.Prefix {
		// A word may match several terms of one copy. The sorted rows are
		// then checked in their order, outside the subquery, so that only
		// as many are checked as the page needs: both engines read a
		// subquery's rows in its order when the query around it neither
		// joins nor sorts (and its LIMIT keeps the conditions out of it).
		lo, hi := bounds(c)
		s.WriteString(`SELECT d.copy_id, d.arrived FROM (SELECT DISTINCT s.copy_id, s.arrived FROM search_terms s
			WHERE s.account_id = ? AND s.term >= ? AND s.term < ?`)
		args = append(args, lo, hi)
		col = "d.copy_id"
	} else {
		s.WriteString(`SELECT s.copy_id, s.arrived FROM search_terms s WHERE s.account_id = ? AND s.term = ?`)
		args = append(args, c.Term)
	}
	s.WriteString(` AND s.arrived >= ? AND (s.arrived, s.copy_id) < (?, ?)`)
	args = append(args, p.lo, p.hi, p.hiID)
	switch {
	case p.q.Folder != "":
		s.WriteString(` AND s.folder = ?`)
		args = append(args, string(p.q.Folder))
	case !p.q.IncludeTrash:
		s.WriteString(` AND s.folder <> 'trash'`)
	}
	inHidden, inOthers := p.fields(c)
	s.WriteString(` AND (s.fields & CASE WHEN s.hidden THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END) <> 0`)
	args = append(args, inHidden, inOthers)
	if c.Prefix {
		s.WriteString(` ORDER BY s.arrived DESC, s.copy_id DESC LIMIT ?) d WHERE 1 = 1`)
		args = append(args, SortLimit)
		args = p.probes(&s, col, d, args)
		s.WriteString(` LIMIT ?`)
		return Statement{SQL: s.String(), Args: append(args, p.q.Limit)}
	}
	args = p.probes(&s, col, d, args)
	s.WriteString(` ORDER BY s.arrived DESC, s.copy_id DESC LIMIT ?`)
	return Statement{SQL: s.String(), Args: append(args, p.q.Limit)}
}

// probes checks every condition but the driver (and TermAll, which every
// indexed copy has) on the copy named by col, the rarest first.
func (p *plan) probes(s *strings.Builder, col string, driver int, args []any) []any {
	order := make([]int, 0, len(p.conds))
	for i, c := range p.conds {
		if i != driver && c.Term != search.TermAll {
			order = append(order, i)
		}
	}
	// Counts stop at SortLimit; among common words a longer one is likely
	// the rarer.
	slices.SortStableFunc(order, func(a, b int) int {
		if d := p.counts[a] - p.counts[b]; d != 0 {
			return d
		}
		return len(p.conds[b].Term) - len(p.conds[a].Term)
	})
	for _, i := range order {
		lo, hi := bounds(p.conds[i])
		inHidden, inOthers := p.fields(p.conds[i])
		fmt.Fprintf(s, ` AND EXISTS (SELECT 1 FROM search_terms o WHERE o.copy_id = %s AND o.term >= ? AND o.term < ?
			AND (o.fields & CASE WHEN o.hidden THEN CAST(? AS INTEGER) ELSE CAST(? AS INTEGER) END) <> 0)`, col)
		args = append(args, lo, hi, inHidden, inOthers)
	}
	return args
}
