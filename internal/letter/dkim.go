package letter

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
)

// rawField is one header field exactly as it stands in the message: name,
// colon, value, continuation lines and line ends. A signature covers these bytes
// unchanged (RFC 6376 §3.4.1 "simple" header canonicalization).
type rawField struct {
	name string // as written before the colon
	raw  []byte // a sub-slice of the header block
}

// splitFields cuts a header block into its fields. It reads lines as
// net/textproto does, so that it sees the fields Parse sees: a line ends in LF
// (CRLF or bare LF), a line beginning with a space or tab continues the field
// before it (RFC 5322 §2.2.3), and an empty line ends the block.
func splitFields(hdr []byte) ([]rawField, error) {
	var fields []rawField
	for i := 0; i < len(hdr); {
		n := bytes.IndexByte(hdr[i:], '\n') + 1
		if n == 0 {
			n = len(hdr) - i
		}
		line := hdr[i : i+n]
		switch {
		case len(bytes.TrimRight(line, "\r\n")) == 0:
			return fields, nil
		case line[0] == ' ' || line[0] == '\t':
			if len(fields) == 0 {
				return nil, errors.New("the header begins with a continuation line")
			}
			f := &fields[len(fields)-1]
			f.raw = hdr[i-len(f.raw) : i+n : i+n]
		default:
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 {
				return nil, fmt.Errorf("header line %.40q is not a field", line)
			}
			fields = append(fields, rawField{name: string(bytes.TrimRight(line[:colon], " \t")), raw: line[:n:n]})
		}
		i += n
	}
	return fields, nil
}

// pick returns, for each name, the fields of that name in message order. Field
// names compare case-insensitively (RFC 5322 §1.2.2; RFC 6376 §3.5 h=). It reads
// the header once, whatever the number of names.
func pick(fields []rawField, names []string) [][]rawField {
	want := make(map[string]int, len(names))
	for i, n := range names {
		want[strings.ToLower(n)] = i
	}
	out := make([][]rawField, len(names))
	for _, f := range fields {
		if i, ok := want[strings.ToLower(f.name)]; ok {
			out[i] = append(out[i], f)
		}
	}
	return out
}

// headerHash is what the seal signs (RFC 6376 §3.7): the fields h= names, in
// h= order and byte for byte (simple canonicalization, §3.4.1), then the
// integrity field with an empty b= value and without its line end. A name whose
// field the message lacks contributes nothing (§5.4), which signs its absence.
// picked is pick's result; callers refuse a name with more than one field before
// hashing, so the first is the only one.
func headerHash(picked [][]rawField, sigField []byte) [32]byte {
	h := sha256.New()
	for _, fs := range picked {
		if len(fs) > 0 {
			h.Write(fs[0].raw)
		}
	}
	h.Write(sigField)
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}

// withoutSignature returns the integrity field as its signature covers it: the
// value of the b= tag, with the whitespace around it, deleted, and the line end
// removed (RFC 6376 §3.5 b=, §3.7). Other tags stay byte for byte, folding
// included. It fails when no tag is named b.
func withoutSignature(field []byte) ([]byte, error) {
	field = bytes.TrimSuffix(field, []byte("\n"))
	field = bytes.TrimSuffix(field, []byte("\r"))
	colon := bytes.IndexByte(field, ':')
	if colon < 0 {
		return nil, errors.New("not a header field")
	}
	for start := colon + 1; start <= len(field); {
		end := bytes.IndexByte(field[start:], ';')
		if end < 0 {
			end = len(field)
		} else {
			end += start
		}
		spec := field[start:end]
		if eq := bytes.IndexByte(spec, '='); eq >= 0 && string(bytes.TrimSpace(spec[:eq])) == "b" {
			out := make([]byte, 0, len(field))
			out = append(out, field[:start+eq+1]...)
			return append(out, field[end:]...), nil
		}
		start = end + 1
	}
	return nil, errors.New("no b= tag")
}
