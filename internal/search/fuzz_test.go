package search

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/problem"
)

// FuzzPlan: any query is either planned or refused with a problem naming
// a parameter; a plan holds at most MaxConds conditions, each a folded word
// (folding it again changes nothing) or an attribute term, and a range that
// is not reversed.
func FuzzPlan(f *testing.F) {
	f.Add("Steuer 2025", "stadt", "2025-03-01", "2025-03-31", "personal", "unread")
	f.Add("Müller Straße", "", "2025-03-01T10:00:00+01:00", "", "", "")
	f.Add("---", "@", "2025-13-01", "x", "bogus", "read")
	f.Add("Mu\u0308ller \u0130stanbul ǅ", "a.b@c", "", "2025-01-01", "receipt_confirmation", "picked_up")
	fields := map[string]bool{"q": true, "from": true, "to": true, "subject": true, "file_number": true,
		"after": true, "before": true, "option": true, "state": true}
	f.Fuzz(func(t *testing.T, text, from, after, before, option, state string) {
		q := Query{Text: text, From: from, To: from, After: after, Before: before}
		if option != "" {
			q.Options = []string{option}
		}
		if state != "" {
			q.States = []string{state}
		}
		p, err := q.Plan(time.UTC)
		if err != nil {
			pr := problem.As(err)
			if pr == nil || pr.Kind != problem.Invalid || !fields[pr.Field] {
				t.Fatalf("refused without a parameter's problem: %v", err)
			}
			return
		}
		if len(p.Conds) > MaxConds {
			t.Fatalf("%d conditions", len(p.Conds))
		}
		if !p.After.IsZero() && !p.Before.IsZero() && !p.After.Before(p.Before) {
			t.Fatalf("reversed range [%v, %v)", p.After, p.Before)
		}
		for _, c := range p.Conds {
			if c.Term == "" || len(c.Term) > MaxTerm || !utf8.ValidString(c.Term) {
				t.Fatalf("term %q", c.Term)
			}
			if strings.HasPrefix(c.Term, TermPrefix) {
				if c.Prefix {
					t.Fatalf("attribute %q matched by prefix", c.Term)
				}
				continue
			}
			if again := Words(c.Term); len(again) != 1 || again[0] != c.Term {
				t.Fatalf("the word %q folds again to %q", c.Term, again)
			}
		}
	})
}

// FuzzWords: words are never empty, never longer than MaxTerm, valid
// UTF-8, free of separators, and folding them again changes nothing.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"Steuerbescheid", "ẞ ß ǅ ﬃ", "a\u0308\u0301", "\u0130", "\xff\xfe", "ᾼ ΐ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, w := range Words(s) {
			if w == "" || len(w) > MaxTerm || !utf8.ValidString(w) || strings.ContainsAny(w, " .@~") {
				t.Fatalf("Words(%q) has %q", s, w)
			}
			if again := Words(w); len(again) != 1 || again[0] != w {
				t.Fatalf("Words(%q) has %q, which folds again to %q", s, w, again)
			}
		}
	})
}
