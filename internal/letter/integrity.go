package letter

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// ErrIntegrity is wrapped by every VerifyIntegrity error.
var ErrIntegrity = errors.New("letter: integrity check failed")

// VerifyIntegrity recomputes the body hash of a stored message and compares it,
// in constant time, with bh= in X-de-mail-integrity (TR PVD-IO §3.1.13,
// §3.1.21). The error says what differs.
//
// It checks the body hash only. The header hash or signature (b=) is the
// evidence work's to verify, with the key from X-de-mail-signature-certificate
// and never from DNS; until then header fields are not covered. The hash
// algorithm may be "sha256" or "sha256/<signature algorithm>"; the body
// canonicalization must be simple, as the TR demands; an l= tag is ignored
// (TR PVD-IO §3.1.21).
func VerifyIntegrity(raw []byte) error {
	hdr, body := splitMessage(raw)
	h, err := readHeader(hdr)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrIntegrity, err)
	}
	v := h.Get(HdrIntegrity)
	if v == "" {
		return fmt.Errorf("%w: no %s header", ErrIntegrity, HdrIntegrity)
	}
	want, err := integrityBodyHash(v)
	if err != nil {
		return fmt.Errorf("%w: %s: %v", ErrIntegrity, HdrIntegrity, err)
	}
	got := simpleBodyHash(body)
	if subtle.ConstantTimeCompare(got[:], want) != 1 {
		return fmt.Errorf("%w: the body hashes to %s, but %s says bh=%s", ErrIntegrity,
			base64.StdEncoding.EncodeToString(got[:]), HdrIntegrity, base64.StdEncoding.EncodeToString(want))
	}
	return nil
}

// integrityBodyHash checks the tags of an X-de-mail-integrity value and returns
// its decoded bh=.
func integrityBodyHash(v string) ([]byte, error) {
	tags, err := parseTagList(v)
	if err != nil {
		return nil, err
	}
	if ver, ok := tags["v"]; ok && ver != "1" {
		return nil, fmt.Errorf("version v=%s, not 1", ver)
	}
	if a := tags["a"]; a != "sha256" && !strings.HasPrefix(a, "sha256/") {
		return nil, fmt.Errorf("algorithm a=%s, not sha256", a)
	}
	switch c := tags["c"]; c {
	case "", "simple", "simple/simple":
	default:
		return nil, fmt.Errorf("canonicalization c=%s, not simple/simple", c)
	}
	bh, ok := tags["bh"]
	if !ok {
		return nil, errors.New("no bh= tag")
	}
	want, err := base64.StdEncoding.DecodeString(bh)
	if err != nil || len(want) != sha256.Size {
		return nil, fmt.Errorf("bh=%s is not a base64 SHA-256 hash", bh)
	}
	return want, nil
}

// parseTagList parses a DKIM tag-list (RFC 6376 §3.2): "name=value" separated by
// ";", whitespace around names and values ignored and removed inside values
// (bh= may be folded). A tag may occur once.
func parseTagList(v string) (map[string]string, error) {
	tags := make(map[string]string, 8)
	for spec := range strings.SplitSeq(v, ";") {
		if strings.TrimSpace(spec) == "" {
			continue // a trailing ";" is allowed
		}
		name, value, ok := strings.Cut(spec, "=")
		name = strings.TrimSpace(name)
		if !ok || name == "" {
			return nil, fmt.Errorf("tag %q is not name=value", strings.TrimSpace(spec))
		}
		if _, dup := tags[name]; dup {
			return nil, fmt.Errorf("tag %s= occurs twice", name)
		}
		tags[name] = strings.Join(strings.Fields(value), "")
	}
	return tags, nil
}

// simpleBodyHash is the SHA-256 of body under DKIM "simple" body
// canonicalization (RFC 6376 §3.4.3): empty lines at the end are ignored and the
// body ends with one CRLF.
func simpleBodyHash(body []byte) [32]byte {
	end := len(body)
	for end >= 2 && body[end-2] == '\r' && body[end-1] == '\n' {
		end -= 2
	}
	h := sha256.New()
	h.Write(body[:end])
	h.Write([]byte("\r\n"))
	var sum [32]byte
	h.Sum(sum[:0])
	return sum
}
