package search

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/problem"
)

// Query is a search as a user gives it (API parameters, CLI flags, the web
// form). Every part given must match: the words of Text each somewhere in
// the letter's text fields, the words of From each in the sender, and so on.
// Field names in errors are the API's parameter names.
type Query struct {
	Text       string // q: free words
	From       string // from: words of the sender's address
	To         string // to: words of a recipient's address
	Subject    string // subject
	FileNumber string // file_number: the sender's file number
	// After and Before bound the arrival: a day (YYYY-MM-DD, in the
	// provider's zone, that whole day included) or an RFC 3339 time (after:
	// at or after it; before: before it).
	After, Before string
	Options       []string // option: dispatch options, each required
	States        []string // state: confirmation states, each required
}

// MaxText bounds each text part of a query, in characters.
const MaxText = 200

// MaxConds bounds the words and filters of one query: each is a lookup in
// the index.
const MaxConds = 16

// Cond is one condition on a copy's terms: a term equal to Term (Prefix
// false) or beginning with it, found in one of Fields. At normal, a copy
// whose content is hidden matches only in Fields&Shown.
type Cond struct {
	Term   string
	Prefix bool
	Fields Field
}

// Plan is a query as the index runs it: every condition must match, and
// the arrival must lie in [After, Before) (a zero bound is open).
type Plan struct {
	Conds         []Cond
	After, Before time.Time
}

// Empty reports whether the query names nothing to look for.
func (q *Query) Empty() bool {
	return q.Text == "" && q.From == "" && q.To == "" && q.Subject == "" && q.FileNumber == "" &&
		q.After == "" && q.Before == "" && len(q.Options) == 0 && len(q.States) == 0
}

// Plan checks q and turns it into conditions; days are read in loc. An
// error is a problem naming the parameter that broke a rule.
func (q *Query) Plan(loc *time.Location) (*Plan, error) {
	p := &Plan{}
	for _, t := range []struct {
		field, text string
		in          Field
	}{{"q", q.Text, Text}, {"from", q.From, InSender}, {"to", q.To, InRecipients},
		{"subject", q.Subject, InSubject}, {"file_number", q.FileNumber, InFileNumber}} {
		text := strings.TrimSpace(t.text)
		if text == "" {
			continue
		}
		if !utf8.ValidString(text) {
			return nil, problem.Field(t.field, "invalid", "%s must be text (UTF-8)", t.field)
		}
		if n := utf8.RuneCountInString(text); n > MaxText {
			return nil, problem.Field(t.field, "too_long", "%s must be at most %d characters, not %d", t.field, MaxText, n)
		}
		words := Words(text)
		if len(words) == 0 {
			return nil, problem.Field(t.field, "no_words", "%s must hold a word: a letter or a digit", t.field)
		}
		for _, w := range words {
			p.add(Cond{Term: w, Prefix: true, Fields: t.in})
		}
	}
	for _, a := range []struct {
		field string
		given []string
		valid []string
	}{{"option", q.Options, Options()}, {"state", q.States, States()}} {
		for _, v := range a.given {
			if !slices.Contains(a.valid, v) {
				return nil, problem.Field(a.field, "invalid", "%s must be one of %s, not %q", a.field,
					strings.Join(a.valid, ", "), v)
			}
			p.add(Cond{Term: TermPrefix + v, Fields: Attribute | Listed})
		}
	}
	if len(p.Conds) > MaxConds {
		return nil, problem.Field("q", "too_many", "a search may hold at most %d words and filters, not %d", MaxConds, len(p.Conds))
	}
	var err error
	if p.After, _, err = bound("after", q.After, loc); err != nil {
		return nil, err
	}
	var day bool
	if p.Before, day, err = bound("before", q.Before, loc); err != nil {
		return nil, err
	}
	if day {
		// A day given as before is included: up to the next day's start.
		p.Before = p.Before.AddDate(0, 0, 1)
	}
	if !p.After.IsZero() && !p.Before.IsZero() && !p.After.Before(p.Before) {
		return nil, problem.Field("before", "range", "before must be later than after: %s is not after %s",
			strings.TrimSpace(q.Before), strings.TrimSpace(q.After))
	}
	return p, nil
}

// add appends c unless the plan has it already.
func (p *Plan) add(c Cond) {
	if !slices.Contains(p.Conds, c) {
		p.Conds = append(p.Conds, c)
	}
}

// bound reads a date bound: a day (YYYY-MM-DD, its start in loc, day true)
// or an RFC 3339 time; "" is the zero time.
func bound(field, v string, loc *time.Location) (t time.Time, day bool, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, false, nil
	}
	if d, err := time.ParseInLocation(time.DateOnly, v, loc); err == nil {
		return d, true, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, false, nil
	}
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return time.Time{}, false, problem.Field(field, "invalid",
		"%s must be a day (YYYY-MM-DD) or a time (RFC 3339, e.g. 2026-03-14T09:30:00+01:00), not %q", field, v)
}
