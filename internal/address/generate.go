package address

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
)

// MaxTries bounds how many candidate addresses Generate and Proposals check
// before giving up, so a broken taken function cannot loop forever.
const MaxTries = 10000

// limitFor is the longest local part that fits with domain d: MaxLocal, or
// less when the domain is so long that MaxTotal binds first (64+1+189 is one
// more than 253).
func limitFor(d string) int {
	return min(MaxLocal, MaxTotal-1-len(d))
}

// Generate returns the first free primary address for a person (TR ACM-FU
// §2.1.1; SPEC Accounts): first.last@domain, then first.last.2@domain,
// first.last.3@domain and so on. names are the name parts as LocalPart takes
// them, first names before the surname.
//
// taken reports whether an address is given to anyone, or was released
// within the last 30 years (SPEC Accounts: a released address is not given
// to another person for 30 years); it must not be nil, and its error is
// returned wrapped. Reserved system local parts are skipped without asking.
// After MaxTries candidates Generate gives up with a CodeExhausted problem of
// kind Conflict.
//
// Length (TR ACM-FU §2.1.1, §2.1.3): when first names and surname together do
// not fit, the address is the first name's initial, a dot and the surname cut
// to fit (the TR's rule for surnames over 62 characters, applied whenever the
// full form is too long). When a number is appended, the surname is shortened
// by as many characters as the number needs.
func Generate(domain string, names []string, taken func(addr string) (bool, error)) (Address, error) {
	f, err := newFinder(domain, names, taken)
	if err != nil {
		return Address{}, err
	}
	a, ok, err := f.nextPrimary()
	if err != nil {
		return Address{}, err
	}
	if !ok {
		return Address{}, f.exhausted()
	}
	return a, nil
}

// Proposals returns up to n distinct free addresses for the person to choose
// from: Generate's result first, then the forms TR ACM-FU §2.1.1 also allows
// (a single one of several first names, "hans.mueller"; the first name's
// initial, "h.mueller"), then the next free numbers of the first form. It
// returns fewer than n when MaxTries candidates are used up, and a
// CodeExhausted problem only when it found none. n <= 0 gives none.
func Proposals(domain string, names []string, taken func(addr string) (bool, error), n int) ([]Address, error) {
	if n <= 0 {
		return nil, nil
	}
	f, err := newFinder(domain, names, taken)
	if err != nil {
		return nil, err
	}
	var out []Address
	first, ok, err := f.nextPrimary()
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, f.exhausted()
	}
	out = append(out, first)
	for _, prefix := range f.form.variantPrefixes() {
		if len(out) == n {
			return out, nil
		}
		local, ok := build(prefix, f.form.surname, 1, f.limit)
		if !ok {
			continue
		}
		a, free, err := f.check(local)
		if err != nil {
			return nil, err
		}
		if free {
			out = append(out, a)
		}
	}
	for len(out) < n {
		a, ok, err := f.nextPrimary()
		if err != nil {
			return nil, err
		}
		if !ok {
			break // tries used up: what was found is still a fine choice
		}
		out = append(out, a)
	}
	return out, nil
}

// nameForm is a person's name in address characters: the first-name parts
// (possibly none) and the surname.
type nameForm struct {
	given   []string
	surname string
}

// fullPrefix is all first-name parts, each followed by a dot.
func (f nameForm) fullPrefix() string {
	if len(f.given) == 0 {
		return ""
	}
	return strings.Join(f.given, ".") + "."
}

// initialPrefix is the first name's initial and a dot (TR ACM-FU §2.1.1).
func (f nameForm) initialPrefix() string {
	if len(f.given) == 0 {
		return ""
	}
	return f.given[0][:1] + "."
}

// variantPrefixes are the other first-name forms the TR lets a person choose
// (TR ACM-FU §2.1.1: one or more of the first names, or an abbreviation
// starting with the initial): each single first name when there are several,
// then the initial. Duplicates are filtered later.
func (f nameForm) variantPrefixes() []string {
	var words []string
	for _, g := range f.given {
		words = append(words, strings.Split(g, "_")...)
	}
	var out []string
	if len(words) > 1 {
		for _, w := range words {
			out = append(out, w+".")
		}
	}
	if p := f.initialPrefix(); p != "" {
		out = append(out, p)
	}
	return out
}

// primary is the n-th primary candidate (n = 1 is the base without number):
// the full form when it fits, else the initial form; when a number does not
// fit beside the full form even with the surname cut to one character, the
// initial form is used for that number.
func (f nameForm) primary(n, limit int) (string, bool) {
	full := f.fullPrefix()
	if len(full)+len(f.surname) <= limit {
		if l, ok := build(full, f.surname, n, limit); ok {
			return l, true
		}
	}
	return build(f.initialPrefix(), f.surname, n, limit)
}

// build joins prefix, surname and the number suffix (".n" for n >= 2), cutting
// the surname to fit limit (TR ACM-FU §2.1.1: the surname is shortened by the
// characters the number needs). A cut never leaves a separator at the end.
// It reports false when not even one surname character fits.
func build(prefix, surname string, n, limit int) (string, bool) {
	suffix := ""
	if n >= 2 {
		suffix = "." + strconv.Itoa(n)
	}
	room := limit - len(prefix) - len(suffix)
	if room < 1 {
		return "", false
	}
	s := surname
	if len(s) > room {
		s = strings.TrimRight(s[:room], "_-")
	}
	if s == "" {
		return "", false
	}
	return prefix + s + suffix, true
}

// finder walks candidates for one person and domain, counting tries across
// all forms and never offering one address twice.
type finder struct {
	domain string
	form   nameForm
	limit  int
	taken  func(string) (bool, error)
	tries  int
	next   int // next primary number; 1 is the base
	seen   map[string]bool
}

func newFinder(domain string, names []string, taken func(string) (bool, error)) (*finder, error) {
	d, err := ParseDomain(domain)
	if err != nil {
		return nil, err
	}
	parts, err := normalizeNames(names)
	if err != nil {
		return nil, err
	}
	f := &finder{
		domain: d,
		form:   nameForm{given: parts[:len(parts)-1], surname: parts[len(parts)-1]},
		limit:  limitFor(d),
		taken:  taken,
		next:   1,
		seen:   map[string]bool{},
	}
	// A primary address must not read as a pseudonym (TR ACM-FU §2.1.1);
	// every form starts like the full one or with a one-letter initial.
	if base, ok := f.form.primary(1, f.limit); ok {
		if err := checkPrimary(base); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// nextPrimary returns the next free primary address, or false when the tries
// are used up.
func (f *finder) nextPrimary() (Address, bool, error) {
	for f.tries < MaxTries {
		n := f.next
		f.next++
		local, ok := f.form.primary(n, f.limit)
		if !ok {
			// Cannot happen with limit >= 63 and a suffix of at most
			// ".10000"; counted as a try so the loop still ends.
			f.tries++
			continue
		}
		a, free, err := f.check(local)
		if err != nil {
			return Address{}, false, err
		}
		if free {
			return a, true, nil
		}
	}
	return Address{}, false, nil
}

// check counts a try and reports whether local@domain may be given out: not
// reserved, not offered before, valid, and not taken.
func (f *finder) check(local string) (Address, bool, error) {
	if f.tries >= MaxTries {
		return Address{}, false, nil
	}
	f.tries++
	if IsReserved(local) || f.seen[local] {
		return Address{}, false, nil
	}
	f.seen[local] = true
	if err := checkPrimary(local); err != nil {
		// The parts are normalized, so this is a bug here, not bad input;
		// %v, not %w, keeps it from reaching the user as their mistake.
		return Address{}, false, fmt.Errorf("address: built invalid local part %q: %v", local, err)
	}
	a := Address{Local: local, Domain: f.domain}
	t, err := f.taken(a.String())
	if err != nil {
		return Address{}, false, fmt.Errorf("address: checking whether %s is taken: %w", a, err)
	}
	return a, !t, nil
}

func (f *finder) exhausted() error {
	return problem.New(problem.Conflict, "", CodeExhausted,
		"No free address was found for this name after %d tries; please choose a different form.", MaxTries)
}
