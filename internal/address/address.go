// Package address parses, checks and builds registered-mail addresses.
//
// Every address the provider hands out or accepts passes through here, so the
// rules of the law live in one place (DMG §3; TR ACM-FU §2.1; SPEC "Accounts"):
//
//   - the form is local@domain, all letters lower case (TR ACM-FU §2.1.3);
//   - a person's primary address is first.last[.N], built from the names on
//     the identity document with ICAO 9303 transliteration, spaces as "_",
//     hyphens kept, a number appended on collision (TR ACM-FU §2.1.1, §2.1.3);
//   - pseudonyms are pn_<label> and must read as pseudonyms (TR ACM-FU §2.1.1);
//   - the local part has at most 64 octets, the domain at most 189, the whole
//     address at most 253 (TR ACM-FU §2.1.3, RFC 5321 §4.5.3.1);
//   - system addresses (confirmation senders and the like) are never given to
//     a user (TR ACM-FU §2.1.4, TR PVD-IO §3).
//
// Every rule violation is a *problem.Error of kind Invalid with an empty Field
// (the caller names the field with problem.WithField) and one of the Code*
// constants, so API clients can react to the code instead of the words.
//
// The package keeps no state: whether an address is free is the caller's
// question, answered by the taken callback that Generate and Proposals receive.
package address

import (
	"strings"

	"github.com/siegel-mail/siegel/internal/problem"
)

// Length limits in octets. Addresses are ASCII only, so octets and characters
// are the same count.
const (
	MaxLocal  = 64  // TR ACM-FU §2.1.3 after RFC 5321 §4.5.3.1.1
	MaxDomain = 189 // TR ACM-FU §2.1.3
	MaxTotal  = 253 // TR ACM-FU §2.1.3
	// PseudonymPrefix opens the local part of every pseudonym address, so
	// that every reader sees it is one (TR ACM-FU §2.1.1; SPEC Accounts).
	PseudonymPrefix = "pn_"
)

// Codes of the problems this package returns; stable, for API clients.
const (
	CodeEmpty     = "empty"     // nothing there, or nothing left after transliteration
	CodeSyntax    = "syntax"    // a character or structure the rules do not allow
	CodeTooLong   = "too_long"  // a length limit is exceeded
	CodeReserved  = "reserved"  // a system address, or a name that would read as a pseudonym
	CodeExhausted = "exhausted" // no free address found within the try limit
)

// maxLabel is the longest DNS label (RFC 1035 §2.3.4).
const maxLabel = 63

// Address is a registered-mail address, always lower case and valid when it
// comes from this package.
type Address struct{ Local, Domain string }

// String gives the address as local@domain.
func (a Address) String() string { return a.Local + "@" + a.Domain }

// IsPseudonym reports whether the address is a pseudonym, which every reader
// must be shown (TR ACM-FU §2.1.1; SPEC Accounts).
func (a Address) IsPseudonym() bool { return strings.HasPrefix(a.Local, PseudonymPrefix) }

// Parse checks s as an address and returns it in its canonical, lower-case
// form. Surrounding white space is removed; anything else that is not the
// bare local@domain form (display names, angle brackets, quotes, comments,
// white space inside, control characters, non-ASCII) is refused, because an
// address here identifies a verified person and must have exactly one spelling.
func Parse(s string) (Address, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Address{}, problem.Field("", CodeEmpty, "The address is empty.")
	}
	// Check the raw bytes before lower-casing: Unicode case mapping turns some
	// non-ASCII runes (the Kelvin sign, for one) into ASCII letters, which
	// would let two spellings name one mailbox.
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c >= 0x7f {
			return Address{}, problem.Field("", CodeSyntax,
				"The address may contain only ASCII letters, digits and . _ - with no spaces.")
		}
	}
	s = lowerASCII(s) // TR ACM-FU §2.1.3: letters are lower case
	at := strings.IndexByte(s, '@')
	if at < 0 || strings.IndexByte(s[at+1:], '@') >= 0 {
		return Address{}, problem.Field("", CodeSyntax, "An address has exactly one @.")
	}
	local, domain := s[:at], s[at+1:]
	if local == "" {
		return Address{}, problem.Field("", CodeEmpty, "The part before the @ is empty.")
	}
	if domain == "" {
		return Address{}, problem.Field("", CodeEmpty, "The part after the @ is empty.")
	}
	if len(s) > MaxTotal {
		return Address{}, problem.Field("", CodeTooLong,
			"The address is longer than %d characters.", MaxTotal)
	}
	if err := checkLocal(local); err != nil {
		return Address{}, err
	}
	if err := checkDomain(domain); err != nil {
		return Address{}, err
	}
	return Address{Local: local, Domain: domain}, nil
}

// MustParse is Parse for tests and constants; it panics on an invalid address.
func MustParse(s string) Address {
	a, err := Parse(s)
	if err != nil {
		panic("address.MustParse(" + s + "): " + err.Error())
	}
	return a
}

// ParseDomain checks d against the domain rule alone and returns it lower
// case, with surrounding white space removed.
func ParseDomain(d string) (string, error) {
	d = strings.TrimSpace(d)
	if d == "" {
		return "", problem.Field("", CodeEmpty, "The domain is empty.")
	}
	for i := 0; i < len(d); i++ {
		if c := d[i]; c <= ' ' || c >= 0x7f {
			return "", problem.Field("", CodeSyntax,
				"A domain may contain only ASCII letters, digits, hyphens and dots.")
		}
	}
	d = lowerASCII(d)
	if err := checkDomain(d); err != nil {
		return "", err
	}
	return d, nil
}

// checkLocal applies the local-part rule to an already lower-cased string.
// The character set is deliberately narrower than RFC 5322's dot-atom: it is
// what names produce after transliteration (SPEC Accounts), so no address
// needs quoting and no character reads differently in different clients.
func checkLocal(local string) *problem.Error {
	if local == "" {
		return problem.Field("", CodeEmpty, "The part before the @ is empty.")
	}
	if len(local) > MaxLocal {
		return problem.Field("", CodeTooLong,
			"The part before the @ is longer than %d characters.", MaxLocal)
	}
	for i := 0; i < len(local); i++ {
		if !isLocalChar(local[i]) {
			return problem.Field("", CodeSyntax,
				"The part before the @ may contain only a-z, 0-9 and . _ -.")
		}
	}
	// RFC 5322 §3.4.1 dot-atom: dots only between atoms.
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return problem.Field("", CodeSyntax,
			"The part before the @ may not start or end with a dot or hold two dots in a row.")
	}
	// TR ACM-FU §2.1.1: pn_ marks a pseudonym; it needs a label, and the
	// label may not contain a dot.
	if label, ok := strings.CutPrefix(local, PseudonymPrefix); ok {
		if label == "" {
			return problem.Field("", CodeEmpty, "A pseudonym needs a name after %q.", PseudonymPrefix)
		}
		if strings.IndexByte(label, '.') >= 0 {
			return problem.Field("", CodeSyntax, "A pseudonym may not contain a dot.")
		}
	}
	return nil
}

// checkDomain applies the domain rule to an already lower-cased string:
// DNS host names (RFC 1123 §2.1) of at least two labels. Single-label names
// such as "localhost" are refused because no provider's domain is one; names
// under the reserved .test, .example and .localhost (RFC 2606, RFC 6761) pass
// like any other multi-label name, which is what tests and demos use.
func checkDomain(d string) *problem.Error {
	if d == "" {
		return problem.Field("", CodeEmpty, "The domain is empty.")
	}
	if len(d) > MaxDomain {
		return problem.Field("", CodeTooLong, "The domain is longer than %d characters.", MaxDomain)
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return problem.Field("", CodeSyntax, "The domain needs at least two labels, like provider.example.")
	}
	for _, l := range labels {
		if l == "" {
			return problem.Field("", CodeSyntax,
				"The domain may not start or end with a dot or hold two dots in a row.")
		}
		if len(l) > maxLabel {
			return problem.Field("", CodeTooLong,
				"A part of the domain between dots is longer than %d characters.", maxLabel)
		}
		for i := 0; i < len(l); i++ {
			if c := l[i]; !isAlnum(c) && c != '-' {
				return problem.Field("", CodeSyntax,
					"The domain may contain only a-z, 0-9, hyphens and dots.")
			}
		}
		if l[0] == '-' || l[len(l)-1] == '-' {
			return problem.Field("", CodeSyntax, "A part of the domain may not start or end with a hyphen.")
		}
	}
	// RFC 3696 §2: a top-level domain is never all digits; refusing it keeps
	// IP addresses in dotted form out, since providers are found by name.
	if allDigits(labels[len(labels)-1]) {
		return problem.Field("", CodeSyntax, "The domain must end in a name, not a number.")
	}
	return nil
}

func isAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }

func isLocalChar(c byte) bool { return isAlnum(c) || c == '.' || c == '_' || c == '-' }

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// lowerASCII lower-cases ASCII letters only; see Parse for why not
// strings.ToLower.
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if 'A' <= s[i] && s[i] <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if 'A' <= b[j] && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
