package letter

import (
	"mime"
	"strings"
)

// attachmentType is the Content-Type of an attachment part: its media type with
// the file name as "name" parameter (RFC 2046 §4.5.1; RFC 2231 when not ASCII).
func attachmentType(a Attachment) string {
	mt, params := mediaType(a.ContentType)
	params["name"] = a.Filename
	return mime.FormatMediaType(mt, params)
}

// formatParam formats a header value with one parameter, RFC 2231-encoded when
// the value is not ASCII (RFC 2183 for Content-Disposition).
func formatParam(value, key, param string) string {
	return mime.FormatMediaType(value, map[string]string{key: param})
}

// mediaType parses an attachment's content type (application/octet-stream when
// empty or unparsable) and drops a "name" parameter, which the file name sets.
func mediaType(ct string) (string, map[string]string) {
	if ct == "" {
		return defaultAttachType, map[string]string{}
	}
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil {
		return defaultAttachType, map[string]string{}
	}
	delete(params, "name")
	return mt, params
}

// NormalizeContentType returns ct as Parse reports it: lower-case media type,
// sorted parameters, no "name" parameter, application/octet-stream when empty.
func NormalizeContentType(ct string) string {
	mt, params := mediaType(ct)
	return mime.FormatMediaType(mt, params)
}

// qpEstimate guesses the quoted-printable length of s, to size buffers.
func qpEstimate(s string) int { return len(s) + len(s)/4 + 16 }

// appendQP appends s in quoted-printable (RFC 2045 §6.7) as text: every line
// break (CRLF, LF or a lone CR) becomes CRLF, encoded lines are at most 76
// characters including the "=" of a soft line break, and a space or tab at the
// end of a line is encoded so that transport cannot strip it.
func appendQP(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	n := 0 // characters on the current encoded line
	for i := 0; i < len(s); {
		c := s[i]
		if c == '\r' || c == '\n' {
			if c == '\r' && i+1 < len(s) && s[i+1] == '\n' {
				i++
			}
			b = append(b, '\r', '\n')
			n, i = 0, i+1
			continue
		}
		// Copy a run of literal bytes at once: the hot path for text.
		j, end := i, min(len(s), i+75-n)
		for j < end {
			if c := s[j]; '!' <= c && c <= '~' && c != '=' ||
				(c == ' ' || c == '\t') && j+1 < len(s) && s[j+1] != '\r' && s[j+1] != '\n' {
				j++
				continue
			}
			break
		}
		if j > i {
			b = append(b, s[i:j]...)
			n += j - i
			i = j
			if n < 75 || i == len(s) || s[i] == '\r' || s[i] == '\n' {
				continue
			}
		}
		c = s[i]
		w := 3
		if qpLiteral(s, i) {
			w = 1
		}
		if n+w > 75 {
			b = append(b, '=', '\r', '\n')
			n = 0
		}
		if w == 1 {
			b = append(b, c)
		} else {
			b = append(b, '=', hex[c>>4], hex[c&15])
		}
		n += w
		i++
	}
	return b
}

// qpLiteral reports whether s[i] may stand for itself in quoted-printable: a
// printable ASCII character other than "=", or a space or tab that is not the
// last on its line (RFC 2045 §6.7 rules 2 and 3).
func qpLiteral(s string, i int) bool {
	switch c := s[i]; c {
	case ' ', '\t':
		return i+1 < len(s) && s[i+1] != '\r' && s[i+1] != '\n'
	case '=':
		return false
	default:
		return '!' <= c && c <= '~'
	}
}

// appendTextBody appends s as the quoted-printable body of a text/plain message
// and ends it with a non-empty line and CRLF: when the text does not end in a
// line break, or ends in an empty line, a final soft line break "=" CRLF is
// added. The body is then already in DKIM simple canonical form (RFC 6376
// §3.4.3), and the text reads back exactly, trailing line breaks included.
func appendTextBody(b []byte, s string) []byte {
	start := len(b)
	b = appendQP(b, s)
	q := b[start:]
	if len(q) < 3 || q[len(q)-2] != '\r' || q[len(q)-1] != '\n' || q[len(q)-3] == '\n' {
		b = append(b, '=', '\r', '\n')
	}
	return b
}

// normalizeText turns every line break (CRLF, lone CR) into LF: the form in
// which Parse returns a text, whatever line breaks the draft had.
func normalizeText(s string) string {
	if !strings.ContainsRune(s, '\r') {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
