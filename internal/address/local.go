package address

import (
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
)

// noFirstName is what the identity record holds when the document shows no
// first name (TR ACM-FU §2.1.1); it and "" are left out of the address.
const noFirstName = "---"

// LocalPart builds a person's local part from the name parts on the identity
// document, first names before the surname (TR ACM-FU §2.1.1, §2.1.3; SPEC
// Accounts): each part is transliterated (ICAO 9303) and lower-cased, runs of
// white space inside a part become "_", hyphens are kept, other punctuation
// (apostrophes, dots, commas …) is removed, and the parts are joined with ".".
//
//	LocalPart("Hans Peter", "Müller-Lüdenscheidt") == "hans_peter.mueller-luedenscheidt"
//
// The last part is the surname and must always be there. A part before it
// that is "" or "---" is left out: that is how the TR records a person whose
// document shows no first name, whose address is then the surname alone.
//
// LocalPart does not shorten: a result over MaxLocal is a CodeTooLong problem
// and the caller chooses (Generate applies the TR's shortening rule). A part
// that had characters but none that transliterate is a CodeEmpty problem; a
// result that would read as a pseudonym is a CodeReserved problem.
func LocalPart(names ...string) (string, error) {
	parts, err := normalizeNames(names)
	if err != nil {
		return "", err
	}
	local := strings.Join(parts, ".")
	if len(local) > MaxLocal {
		return "", problem.Field("", CodeTooLong,
			"The name gives an address part of %d characters; at most %d fit.", len(local), MaxLocal)
	}
	if err := checkPrimary(local); err != nil {
		return "", err
	}
	return local, nil
}

// normalizeNames normalizes each name part, leaving out empty first names,
// and returns at least one part (the surname) on success.
func normalizeNames(names []string) ([]string, error) {
	if len(names) == 0 {
		return nil, problem.Field("", CodeEmpty, "A name is needed to build an address.")
	}
	parts := make([]string, 0, len(names))
	for i, n := range names {
		last := i == len(names)-1
		if t := strings.TrimSpace(n); !last && (t == "" || t == noFirstName) {
			continue // TR ACM-FU §2.1.1: no first name recorded
		}
		p := normalizePart(n)
		if p == "" {
			if last {
				// TR ACM-FU §2.1.1: the surname must be in the address.
				return nil, problem.Field("", CodeEmpty,
					"The surname %q gives no letters or digits for an address.", n)
			}
			return nil, problem.Field("", CodeEmpty,
				"The name %q gives no letters or digits for an address.", n)
		}
		parts = append(parts, p)
	}
	return parts, nil
}

// normalizePart turns one name part into address characters: a-z, 0-9, and
// single "_" or "-" between them, never at either end. A run of separators
// collapses to one, "-" winning over "_", so "Müller - Lüdenscheidt" gives
// the same "mueller-luedenscheidt" as the document's own spelling
// (TR ACM-FU §2.1.3: components split by a space are joined with "_", a
// hyphen in a name is taken over). Underscores typed in a name count as
// spaces; all other punctuation is dropped without separating.
func normalizePart(name string) string {
	t := Transliterate(name)
	var b strings.Builder
	b.Grow(len(t))
	var sep byte // pending separator, 0 when none
	for i := 0; i < len(t); i++ {
		c := t[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		switch {
		case isAlnum(c):
			if sep != 0 && b.Len() > 0 {
				b.WriteByte(sep)
			}
			sep = 0
			b.WriteByte(c)
		case c == '-':
			sep = '-'
		case c == ' ' || c == '_' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f':
			if sep == 0 {
				sep = '_'
			}
		}
	}
	return b.String()
}

// checkPrimary checks a built local part: it must satisfy the local-part
// rule, and it may not start with the pseudonym marker, since a real-name
// address must never be mistaken for a pseudonym (TR ACM-FU §2.1.1).
func checkPrimary(local string) *problem.Error {
	if strings.HasPrefix(local, PseudonymPrefix) {
		return problem.Field("", CodeReserved,
			"The name gives an address starting with %q, which marks pseudonyms.", PseudonymPrefix)
	}
	return checkLocal(local)
}

// Pseudonym builds the pseudonym address pn_<label>@domain (TR ACM-FU
// §2.1.1; SPEC Accounts). The label is normalized like a name part in
// LocalPart, so it holds only a-z, 0-9, "_" and "-"; in particular no dot,
// which the TR forbids in a pseudonym. It must not be empty, must fit in
// MaxLocal with the prefix, and must not be a reserved system name.
//
// Whether the address is already given to someone is the caller's question.
// The TR also lets the provider refuse offensive labels by a list it keeps;
// that list is not here.
func Pseudonym(label, domain string) (Address, error) {
	d, err := ParseDomain(domain)
	if err != nil {
		return Address{}, err
	}
	l := normalizePart(label)
	if l == "" {
		return Address{}, problem.Field("", CodeEmpty, "A pseudonym needs a name of letters or digits.")
	}
	if room := limitFor(d) - len(PseudonymPrefix); len(l) > room {
		return Address{}, problem.Field("", CodeTooLong,
			"A pseudonym name may have at most %d characters.", room)
	}
	// TR ACM-FU §2.1.1: reserved system addresses may not be pseudonym names.
	if IsReserved(l) {
		return Address{}, problem.Field("", CodeReserved, "The pseudonym name %q is reserved.", l)
	}
	a := Address{Local: PseudonymPrefix + l, Domain: d}
	if err := checkLocal(a.Local); err != nil {
		return Address{}, err
	}
	return a, nil
}

// reserved lists the local parts the provider keeps for its own mail:
// senders of confirmations and notices (TR PVD-IO §3.1; TR ACM-FU §2.1.4),
// the mailboxes RFC 2142 and RFC 5321 §4.5.1 expect, and common
// administrative names whose mail a user must not receive. Read only.
var reserved = map[string]bool{
	"versandbestaetigung":   true, // dispatch confirmation sender
	"eingangsbestaetigung":  true, // receipt confirmation sender
	"abholbestaetigung":     true, // pickup confirmation sender
	"schadsoftware-warnung": true, // malware notification sender
	"benachrichtigung":      true, // notification sender
	"postmaster":            true, // RFC 5321 §4.5.1
	"abuse":                 true, // RFC 2142
	"hostmaster":            true, // RFC 2142
	"webmaster":             true, // RFC 2142
	"mailer-daemon":         true,
	"noreply":               true,
	"no-reply":              true,
	"admin":                 true,
	"root":                  true,
	"system":                true,
}

// IsReserved reports whether local is a system local part that no user may
// get (TR ACM-FU §2.1.4). Case is ignored, and a pseudonym whose label is a
// system name counts as reserved too, since the TR forbids such labels.
func IsReserved(local string) bool {
	l := lowerASCII(strings.TrimSpace(local))
	l = strings.TrimPrefix(l, PseudonymPrefix)
	return reserved[l]
}
