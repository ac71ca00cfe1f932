package letter

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"unicode/utf8"
)

// Header field names (TR PVD-IO §3.1.1, Table 1). Names are case-insensitive
// when read; they are written in this spelling.
const (
	HdrVersion         = "X-de-mail-version"
	HdrMessageID       = "X-de-mail-message-id"
	HdrMessageType     = "X-de-mail-message-type"
	HdrSender          = "X-de-mail-sender"
	HdrAccountHolder   = "X-de-mail-account-holder"
	HdrProvider        = "X-de-mail-originator-provider"
	HdrAuthLevel       = "X-de-mail-auth-level"
	HdrPrivate         = "X-de-mail-private"
	HdrAuthoritative   = "X-de-mail-authoritative"
	HdrDispatch        = "X-de-mail-confirmation-of-dispatch"
	HdrReceipt         = "X-de-mail-confirmation-of-receipt"
	HdrRetrieve        = "X-de-mail-confirmation-of-retrieve"
	HdrPrivateID       = "X-de-mail-private-id"
	HdrChosenRecipient = "X-de-mail-chosen-recipient"
	HdrIntegrity       = "X-de-mail-integrity"
	// HdrNotificationType says why a letter did not reach its recipient:
	// unknown-recipient, closed-account, invalid-format or other
	// (TR PVD-IO §3.1.20).
	HdrNotificationType = "X-de-mail-notification-type"

	// HdrSignatureCertificate carries the certificate of the key that signed
	// X-de-mail-integrity, in base64 DER: the key is taken from it, never from
	// DNS (TR PVD-IO §3.1.21).
	HdrSignatureCertificate = "X-de-mail-signature-certificate"
)

// Values of X-de-mail-version and X-de-mail-message-type (TR PVD-IO §3.1.12, §3.1.16).
const (
	Version    = "1.8" // the TR 01201 version Siegel follows
	TypeNormal = "normal"
)

// maxLine is where header lines are folded (RFC 5322 §2.1.1 "SHOULD ≤ 78").
const maxLine = 78

// appendField appends "name: value" CRLF, folded at single spaces so that no line
// is longer than maxLine where the value allows it. A fold is made only at a space
// with a non-space on either side, so unfolding (RFC 5322 §2.2.3) gives back the
// value exactly, also with readers that collapse the whitespace around a fold.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':', ' ')
	line := len(name) + 2
	for first := true; value != ""; first = false {
		seg, rest := nextSegment(value)
		if !first {
			if line+1+len(seg) > maxLine {
				b = append(b, '\r', '\n', ' ')
				line = 1
			} else {
				b = append(b, ' ')
				line++
			}
		}
		b = append(b, seg...)
		line += len(seg)
		value = rest
	}
	return append(b, '\r', '\n')
}

// nextSegment splits v at its first fold point: a single space between two
// non-space bytes. seg excludes that space.
func nextSegment(v string) (seg, rest string) {
	for i := 1; i+1 < len(v); i++ {
		if v[i] == ' ' && v[i-1] != ' ' && v[i+1] != ' ' {
			return v[:i], v[i+1:]
		}
	}
	return v, ""
}

// maxWord is the longest word left unencoded, and the longest encoded-word
// written: with the longest field name (X-de-mail-account-holder) a first line
// still fits in maxLine.
const maxWord = maxLine - len(HdrAccountHolder) - 2 - 2

// unstructured returns s as it may stand in an unstructured header field
// (RFC 5322 §3.2.5): as is when that reads back unchanged, otherwise as RFC 2047
// encoded-words.
func unstructured(s string) string {
	if plain(s, printable) {
		return s
	}
	return encodeWords(s)
}

// phrase returns a display name as an RFC 5322 phrase: atoms as they are, or
// RFC 2047 encoded-words (§5(3)).
func phrase(s string) string {
	if plain(s, isAtext) {
		return s
	}
	return encodeWords(s)
}

func printable(c byte) bool { return '!' <= c && c <= '~' }

// plain reports whether s can be written as is and reads back unchanged: words
// of allowed bytes of at most maxWord, separated by single spaces, without "=?"
// (which a reader would take for an encoded-word).
func plain(s string, allowed func(byte) bool) bool {
	word := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ':
			if i == 0 || i == len(s)-1 || s[i+1] == ' ' {
				return false
			}
			word = 0
		case !allowed(c):
			return false
		case c == '=' && i+1 < len(s) && s[i+1] == '?':
			return false
		default:
			word++
			if word > maxWord {
				return false
			}
		}
	}
	return true
}

// encodeWords encodes s as RFC 2047 "Q" encoded-words in UTF-8, each at most
// maxWord characters (RFC 2047 §2 allows 75), never splitting a character, and
// separated by single spaces so that they fold. Only the characters qLiteral
// allows stay literal.
func encodeWords(s string) string {
	const open, close = "=?utf-8?q?", "?="
	const room = maxWord - len(open) - len(close)
	var b strings.Builder
	b.Grow(len(s)*3 + (len(s)*3/room+1)*(len(open)+len(close)+1))
	b.WriteString(open)
	n := 0
	for len(s) > 0 {
		_, size := utf8.DecodeRuneInString(s)
		w := 0
		for i := 0; i < size; i++ {
			w += qWidth(s[i])
		}
		if n+w > room {
			b.WriteString(close + " " + open)
			n = 0
		}
		for i := 0; i < size; i++ {
			writeQ(&b, s[i])
		}
		n += w
		s = s[size:]
	}
	b.WriteString(close)
	return b.String()
}

// qLiteral reports whether c may stand unencoded in an encoded-word anywhere,
// also in a phrase (RFC 2047 §5(3)).
func qLiteral(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '!' || c == '*' || c == '+' || c == '-' || c == '/'
}

func qWidth(c byte) int {
	if qLiteral(c) || c == ' ' {
		return 1
	}
	return 3
}

func writeQ(b *strings.Builder, c byte) {
	const hex = "0123456789ABCDEF"
	switch {
	case qLiteral(c):
		b.WriteByte(c)
	case c == ' ':
		b.WriteByte('_')
	default:
		b.WriteByte('=')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
}

// chosenRecipient renders X-de-mail-chosen-recipient (TR PVD-IO §3.1.8): the
// "to", "cc" and "bcc" elements, each only when it has addresses. Addresses are
// separated by ", " (an RFC 5322 address-list) so that long lists fold.
func chosenRecipient(to, cc, bcc []string) string {
	n := 0
	for _, l := range [...][]string{to, cc, bcc} {
		for _, a := range l {
			n += len(a) + 2
		}
	}
	var b strings.Builder
	b.Grow(n + len("to=; cc=; bcc="))
	writeList := func(key string, l []string) {
		if len(l) == 0 {
			return
		}
		if b.Len() > 0 {
			b.WriteString("; ")
		}
		b.WriteString(key)
		b.WriteByte('=')
		for i, a := range l {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a)
		}
	}
	writeList("to", to)
	writeList("cc", cc)
	writeList("bcc", bcc)
	return b.String()
}

// ParseChosenRecipient parses the value of X-de-mail-chosen-recipient
// (TR PVD-IO §3.1.8):
//
//	[FWS] "to" / "cc" / "bcc" [FWS] "=" [FWS] address-list [FWS] [";" …]
//
// Each element may occur once and, when present, names at least one address.
// Addresses are separated by commas; following the TR's footnote 5, a ";" not
// followed by an element name also separates addresses. Addresses may be written
// as addr-spec or name-addr; only the addr-spec is returned.
func ParseChosenRecipient(v string) (to, cc, bcc []string, err error) {
	v = unfoldValue(v)
	if strings.TrimSpace(v) == "" {
		return nil, nil, nil, errors.New("letter: empty chosen-recipient value")
	}
	var seen [3]bool
	var lists [3][]string
	cur := -1
	for _, part := range splitOutsideQuotes(v, ';') {
		key, rest, ok := elementName(part)
		if ok {
			if seen[key] {
				return nil, nil, nil, fmt.Errorf("letter: chosen-recipient names %q twice", elementNames()[key])
			}
			seen[key], cur, part = true, key, rest
		} else if cur < 0 {
			return nil, nil, nil, fmt.Errorf("letter: chosen-recipient must begin with to=, cc= or bcc=, not %q", part)
		}
		addrs, err := parseAddrs(part)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("letter: chosen-recipient %s: %w", elementNames()[cur], err)
		}
		lists[cur] = append(lists[cur], addrs...)
	}
	return lists[0], lists[1], lists[2], nil
}

// elementNames are the elements of X-de-mail-chosen-recipient, in order.
func elementNames() [3]string { return [3]string{"to", "cc", "bcc"} }

// elementName recognizes a leading "to=", "cc=" or "bcc=" (case-insensitive,
// with optional whitespace) and returns the element and what follows the "=".
func elementName(part string) (key int, rest string, ok bool) {
	s := strings.TrimLeft(part, " \t\r\n")
	for k, name := range elementNames() {
		if len(s) >= len(name) && strings.EqualFold(s[:len(name)], name) {
			r := strings.TrimLeft(s[len(name):], " \t\r\n")
			if strings.HasPrefix(r, "=") {
				return k, r[1:], true
			}
		}
	}
	return 0, "", false
}

// parseAddrs parses a non-empty RFC 5322 address-list.
func parseAddrs(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, errors.New("no address")
	}
	list, err := mail.ParseAddressList(s)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(list))
	for i, a := range list {
		out[i] = a.Address
	}
	return out, nil
}

// splitOutsideQuotes splits s at sep where it stands outside a quoted-string,
// a comment or an angle-addr, so display names may hold sep.
func splitOutsideQuotes(s string, sep byte) []string {
	var parts []string
	start, quoted, depth, angle := 0, false, 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && (quoted || depth > 0):
			i++
		case c == '"' && depth == 0:
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')' && depth > 0:
			depth--
		case depth > 0:
		case c == '<':
			angle = true
		case c == '>':
			angle = false
		case c == sep && !angle:
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// unfoldValue removes the CRLF of folded lines (RFC 5322 §2.2.3).
func unfoldValue(v string) string {
	if !strings.Contains(v, "\r\n") {
		return v
	}
	v = strings.ReplaceAll(v, "\r\n ", " ")
	return strings.ReplaceAll(v, "\r\n\t", "\t")
}
