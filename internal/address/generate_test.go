package address_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/problem"
)

// store is a map-backed taken function that records what it was asked.
type store struct {
	taken map[string]bool
	asked []string
}

func newStore(taken ...string) *store {
	s := &store{taken: map[string]bool{}}
	for _, a := range taken {
		s.taken[a] = true
	}
	return s
}

func (s *store) isTaken(addr string) (bool, error) {
	s.asked = append(s.asked, addr)
	return s.taken[addr], nil
}

func TestGenerate(t *testing.T) {
	x := strings.Repeat("x", 70)
	tests := []struct {
		name   string
		domain string
		names  []string
		taken  []string
		want   string
	}{
		{name: "free base", domain: "siegel.test", names: []string{"Hans Peter", "Müller-Lüdenscheidt"},
			want: "hans_peter.mueller-luedenscheidt@siegel.test"},
		{name: "domain lower-cased", domain: "Siegel.TEST", names: []string{"Erika", "Mustermann"},
			want: "erika.mustermann@siegel.test"},
		{name: "first collision", domain: "siegel.test", names: []string{"Erika", "Mustermann"},
			taken: []string{"erika.mustermann@siegel.test"},
			want:  "erika.mustermann.2@siegel.test"},
		{name: "second collision", domain: "siegel.test", names: []string{"Erika", "Mustermann"},
			taken: []string{"erika.mustermann@siegel.test", "erika.mustermann.2@siegel.test"},
			want:  "erika.mustermann.3@siegel.test"},
		{name: "gap is reused", domain: "siegel.test", names: []string{"Erika", "Mustermann"},
			taken: []string{"erika.mustermann@siegel.test", "erika.mustermann.3@siegel.test"},
			want:  "erika.mustermann.2@siegel.test"},
		{name: "other domain is not a collision", domain: "other.test", names: []string{"Erika", "Mustermann"},
			taken: []string{"erika.mustermann@siegel.test"},
			want:  "erika.mustermann@other.test"},
		{name: "surname only", domain: "siegel.test", names: []string{"---", "Mustermann"},
			want: "mustermann@siegel.test"},
		{name: "reserved skipped", domain: "siegel.test", names: []string{"", "Root"},
			want: "root.2@siegel.test"},
		// TR ACM-FU §2.1.1: surname over 62 → initial, dot, surname cut to 62
		{name: "long surname", domain: "siegel.test", names: []string{"Erika", x},
			want: "e." + x[:62] + "@siegel.test"},
		{name: "long surname numbered", domain: "siegel.test", names: []string{"Erika", x},
			taken: []string{"e." + x[:62] + "@siegel.test"},
			want:  "e." + x[:60] + ".2@siegel.test"},
		{name: "long first names", domain: "siegel.test", names: []string{strings.Repeat("anna ", 13), "Berg"},
			want: "a.berg@siegel.test"},
		// exactly 64: the number shortens the surname (TR ACM-FU §2.1.1)
		{name: "full at limit numbered", domain: "siegel.test", names: []string{"Erika", strings.Repeat("y", 58)},
			taken: []string{"erika." + strings.Repeat("y", 58) + "@siegel.test"},
			want:  "erika." + strings.Repeat("y", 56) + ".2@siegel.test"},
		// the cut never leaves a hyphen before the number
		{name: "cut at hyphen", domain: "siegel.test", names: []string{"Erika", strings.Repeat("y", 55) + "-zz"},
			taken: []string{"erika." + strings.Repeat("y", 55) + "-zz@siegel.test"},
			want:  "erika." + strings.Repeat("y", 55) + ".2@siegel.test"},
		// surname too short to give up characters for the number: initial form
		{name: "number falls back to initial", domain: "siegel.test", names: []string{strings.Repeat("m", 61), "Li"},
			taken: []string{strings.Repeat("m", 61) + ".li@siegel.test"},
			want:  "m.li.2@siegel.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(tt.taken...)
			a, err := address.Generate(tt.domain, tt.names, s.isTaken)
			if err != nil {
				t.Fatal(err)
			}
			if a.String() != tt.want {
				t.Fatalf("Generate = %q, want %q", a, tt.want)
			}
			checkValid(t, a)
			for _, q := range s.asked {
				if l, _, _ := strings.Cut(q, "@"); address.IsReserved(l) {
					t.Errorf("asked about reserved %q", q)
				}
			}
		})
	}
}

// checkValid fails when a is not a valid, canonical, non-reserved primary
// address within every length limit.
func checkValid(t *testing.T, a address.Address) {
	t.Helper()
	if b, err := address.Parse(a.String()); err != nil || b != a {
		t.Errorf("%q does not parse back: %v", a, err)
	}
	if len(a.Local) > address.MaxLocal || len(a.String()) > address.MaxTotal {
		t.Errorf("%q exceeds a length limit", a)
	}
	if address.IsReserved(a.Local) {
		t.Errorf("%q is reserved", a)
	}
	if a.IsPseudonym() {
		t.Errorf("%q reads as a pseudonym", a)
	}
}

func TestGenerateLengthLimits(t *testing.T) {
	// With a 189-octet domain the whole-address limit leaves 63 for the local part.
	d := strings.Repeat("d", 63) + "." + strings.Repeat("d", 63) + "." + strings.Repeat("d", 58) + ".de"
	for _, surname := range []string{strings.Repeat("z", 58), strings.Repeat("z", 80), strings.Repeat("ab-", 30)} {
		s := newStore()
		for i := 0; i < 120; i++ {
			a, err := address.Generate(d, []string{"Erika", surname}, s.isTaken)
			if err != nil {
				t.Fatal(err)
			}
			checkValid(t, a)
			if s.taken[a.String()] {
				t.Fatalf("Generate returned taken %q", a)
			}
			s.taken[a.String()] = true // the next person with the same name collides
		}
	}
}

func TestGenerateErrors(t *testing.T) {
	boom := errors.New("store down")
	_, err := address.Generate("siegel.test", []string{"Erika", "Mustermann"},
		func(string) (bool, error) { return false, boom })
	if !errors.Is(err, boom) {
		t.Errorf("taken error not propagated: %v", err)
	}

	calls := 0
	_, err = address.Generate("siegel.test", []string{"Erika", "Mustermann"},
		func(string) (bool, error) { calls++; return true, nil })
	if p := problem.As(err); p == nil || p.Code != "exhausted" || p.Kind != problem.Conflict {
		t.Errorf("all taken: %v, want exhausted conflict", err)
	}
	if calls != address.MaxTries {
		t.Errorf("taken called %d times, want %d", calls, address.MaxTries)
	}

	never := func(string) (bool, error) { t.Error("taken called for invalid input"); return false, nil }
	for _, tt := range []struct {
		domain string
		names  []string
		code   string
	}{
		{"localhost", []string{"Erika", "Mustermann"}, "syntax"},
		{"", []string{"Erika", "Mustermann"}, "empty"},
		{"siegel.test", nil, "empty"},
		{"siegel.test", []string{"Erika", "李"}, "empty"},
		{"siegel.test", []string{"Pn Erika", "Mustermann"}, "reserved"},
	} {
		_, err := address.Generate(tt.domain, tt.names, never)
		if code := codeOf(t, err); code != tt.code {
			t.Errorf("Generate(%q, %q) code = %q (%v), want %q", tt.domain, tt.names, code, err, tt.code)
		}
	}
}

func TestProposals(t *testing.T) {
	tests := []struct {
		name  string
		names []string
		taken []string
		n     int
		want  []string
	}{
		{name: "variants", names: []string{"Hans Peter", "Müller"}, n: 6,
			taken: []string{"hans_peter.mueller@siegel.test"},
			want: []string{
				"hans_peter.mueller.2@siegel.test",
				"hans.mueller@siegel.test",
				"peter.mueller@siegel.test",
				"h.mueller@siegel.test",
				"hans_peter.mueller.3@siegel.test",
				"hans_peter.mueller.4@siegel.test",
			}},
		{name: "taken variants skipped", names: []string{"Hans Peter", "Müller"}, n: 3,
			taken: []string{"hans.mueller@siegel.test", "h.mueller@siegel.test"},
			want: []string{
				"hans_peter.mueller@siegel.test",
				"peter.mueller@siegel.test",
				"hans_peter.mueller.2@siegel.test",
			}},
		{name: "n respected", names: []string{"Hans Peter", "Müller"}, n: 2,
			want: []string{"hans_peter.mueller@siegel.test", "hans.mueller@siegel.test"}},
		{name: "one is Generate", names: []string{"Erika", "Mustermann"}, n: 1,
			taken: []string{"erika.mustermann@siegel.test"},
			want:  []string{"erika.mustermann.2@siegel.test"}},
		{name: "initial equal to name", names: []string{"E", "Mustermann"}, n: 3,
			want: []string{"e.mustermann@siegel.test", "e.mustermann.2@siegel.test", "e.mustermann.3@siegel.test"}},
		{name: "surname only", names: []string{"---", "Mustermann"}, n: 2,
			want: []string{"mustermann@siegel.test", "mustermann.2@siegel.test"}},
		{name: "none", names: []string{"Erika", "Mustermann"}, n: 0, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStore(tt.taken...)
			got, err := address.Proposals("siegel.test", tt.names, s.isTaken, tt.n)
			if err != nil {
				t.Fatal(err)
			}
			var gotS []string
			seen := map[address.Address]bool{}
			for _, a := range got {
				gotS = append(gotS, a.String())
				checkValid(t, a)
				if s.taken[a.String()] {
					t.Errorf("proposed taken %q", a)
				}
				if seen[a] {
					t.Errorf("proposed %q twice", a)
				}
				seen[a] = true
			}
			if strings.Join(gotS, " ") != strings.Join(tt.want, " ") {
				t.Errorf("Proposals =\n %q\nwant\n %q", gotS, tt.want)
			}
			if len(got) > 0 {
				g, err := address.Generate("siegel.test", tt.names, newStore(tt.taken...).isTaken)
				if err != nil || g != got[0] {
					t.Errorf("first proposal %q, Generate %q (%v)", got[0], g, err)
				}
			}
		})
	}
}

func TestProposalsLimits(t *testing.T) {
	// Only a few addresses free among many taken: Proposals returns what it
	// finds within MaxTries rather than failing.
	free := map[string]bool{"erika.mustermann.9000@siegel.test": true}
	got, err := address.Proposals("siegel.test", []string{"Erika", "Mustermann"},
		func(a string) (bool, error) { return !free[a], nil }, 5)
	if err != nil || len(got) != 1 || got[0].String() != "erika.mustermann.9000@siegel.test" {
		t.Errorf("Proposals with one free = %v, %v", got, err)
	}

	_, err = address.Proposals("siegel.test", []string{"Erika", "Mustermann"},
		func(string) (bool, error) { return true, nil }, 3)
	if p := problem.As(err); p == nil || p.Code != "exhausted" {
		t.Errorf("all taken: %v, want exhausted", err)
	}

	boom := errors.New("store down")
	calls := 0
	_, err = address.Proposals("siegel.test", []string{"Hans Peter", "Müller"},
		func(string) (bool, error) {
			calls++
			if calls == 3 { // fail on a variant, after the first proposal
				return false, boom
			}
			return false, nil
		}, 5)
	if !errors.Is(err, boom) {
		t.Errorf("taken error not propagated: %v", err)
	}

	if _, err := address.Proposals("nodot", []string{"A", "B"}, newStore().isTaken, 3); codeOf(t, err) != "syntax" {
		t.Errorf("invalid domain: %v", err)
	}
}
