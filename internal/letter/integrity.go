package letter

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrIntegrity is wrapped by every VerifyIntegrity and CheckIntegrity error.
var ErrIntegrity = errors.New("letter: integrity check failed")

func integrityErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrIntegrity}, args...)...)
}

// IntegrityResult is what a letter's integrity value proves.
type IntegrityResult struct {
	Signed       bool              // b= present and valid
	Certificate  *x509.Certificate // the seal certificate from X-de-mail-signature-certificate, when signed
	SignedFields []string          // h=
	BodyHash     [32]byte
}

// VerifyIntegrity checks a stored message as CheckIntegrity does: the body hash
// always, and the signature when the integrity value has one.
func VerifyIntegrity(raw []byte) error {
	_, err := CheckIntegrity(raw)
	return err
}

// CheckIntegrity checks X-de-mail-integrity of a complete message (header block
// and body) as stored or received (TR PVD-IO §3.1.13, §3.1.21; SPEC "Message
// format"). The error wraps ErrIntegrity and says what differs or which tag is
// bad. It checks:
//
//   - the tags: v=1, a=sha256 or sha256/<signature algorithm>, c=simple/simple
//     (as the TR demands); an l= tag is ignored, the whole body counts;
//   - bh=, against the SHA-256 of the body under simple canonicalization,
//     compared in constant time;
//   - when b= is present, the signature (a=sha256/ecdsa-p256) with the key of
//     the certificate in X-de-mail-signature-certificate, never one from DNS:
//     that h= names at least From, To, Subject, Date, X-de-mail-message-id,
//     X-de-mail-authoritative and X-de-mail-signature-certificate, that no field
//     h= names occurs more than once (and each of those at all), and the
//     signature over them (RFC 6376 §3.7, simple header canonicalization);
//   - that a letter whose X-de-mail-authoritative is "yes" is signed: a
//     sender-confirmed letter is signed by the sender's provider (TR PVD-IO §3.4).
//
// Only the certificate's key is used: whether the certificate chains to the
// authority's root, and belongs to the provider the letter names, is for the
// caller to check against its trust list. Fields h= does not name, such as
// X-de-mail-chosen-recipient, are not covered.
func CheckIntegrity(raw []byte) (*IntegrityResult, error) {
	hdr, body := splitMessage(raw)
	h, err := readHeader(hdr)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrIntegrity, err)
	}
	fields, err := splitFields(hdr)
	if err != nil {
		return nil, integrityErr("header: %v", err)
	}
	field, err := integrityField(fields)
	if err != nil {
		return nil, err
	}
	_, value, _ := bytes.Cut(field, []byte(":"))
	tags, want, err := integrityTags(string(value))
	if err != nil {
		return nil, integrityErr("%s: %v", HdrIntegrity, err)
	}
	res := &IntegrityResult{BodyHash: simpleBodyHash(body)}
	if subtle.ConstantTimeCompare(res.BodyHash[:], want) != 1 {
		return nil, integrityErr("the body hashes to %s, but %s says bh=%s",
			base64.StdEncoding.EncodeToString(res.BodyHash[:]), HdrIntegrity, base64.StdEncoding.EncodeToString(want))
	}
	if _, signed := tags["b"]; signed {
		if err := checkSignature(fields, field, tags, res); err != nil {
			return nil, err
		}
		return res, nil
	}
	if h.Get(HdrAuthoritative) == "yes" {
		return nil, integrityErr("%s is yes, but %s has no signature (b=): the sender's provider signs "+
			"a sender-confirmed letter (TR PVD-IO §3.4)", HdrAuthoritative, HdrIntegrity)
	}
	return res, nil
}

// integrityField returns the one X-de-mail-integrity field. Two would leave it
// open which one a reader checks.
func integrityField(fields []rawField) ([]byte, error) {
	fs := pick(fields, []string{HdrIntegrity})[0]
	switch {
	case len(fs) == 0:
		return nil, integrityErr("no %s header", HdrIntegrity)
	case len(fs) > 1:
		return nil, integrityErr("%s occurs %d times", HdrIntegrity, len(fs))
	case len(fs[0].raw) > maxIntegrityField:
		return nil, integrityErr("%s has %d bytes, more than %d", HdrIntegrity, len(fs[0].raw), maxIntegrityField)
	}
	return fs[0].raw, nil
}

// integrityTags parses an X-de-mail-integrity value, checks the tags every
// value has, and returns them with the decoded bh=.
func integrityTags(v string) (map[string]string, []byte, error) {
	tags, err := parseTagList(v)
	if err != nil {
		return nil, nil, err
	}
	if ver, ok := tags["v"]; ok && ver != "1" {
		return nil, nil, fmt.Errorf("version v=%s, not 1", ver)
	}
	if a := tags["a"]; a != "sha256" && !strings.HasPrefix(a, "sha256/") {
		return nil, nil, fmt.Errorf("algorithm a=%s, not sha256", a)
	}
	switch c := tags["c"]; c {
	case "", "simple", "simple/simple":
	default:
		return nil, nil, fmt.Errorf("canonicalization c=%s, not simple/simple", c)
	}
	bh, ok := tags["bh"]
	if !ok {
		return nil, nil, errors.New("no bh= tag")
	}
	want, err := base64.StdEncoding.DecodeString(bh)
	if err != nil || len(want) != sha256.Size {
		return nil, nil, fmt.Errorf("bh=%.60s is not a base64 SHA-256 hash", bh)
	}
	return tags, want, nil
}

// checkSignature verifies b= of the integrity field sigField and fills in res.
func checkSignature(fields []rawField, sigField []byte, tags map[string]string, res *IntegrityResult) error {
	if a := tags["a"]; a != signatureAlgorithm {
		return integrityErr("%s: algorithm a=%.40s with a signature (b=), not %s", HdrIntegrity, a, signatureAlgorithm)
	}
	// SPEC "Message format": the key is taken from the certificate header,
	// never from DNS (the DKIM default, q=dns/txt).
	if q, ok := tags["q"]; ok && !strings.EqualFold(q, "x-header/"+HdrSignatureCertificate) {
		return integrityErr("%s: q=%.60s: the key must come from %s, never from DNS", HdrIntegrity, q, HdrSignatureCertificate)
	}
	names, err := signedNames(tags)
	if err != nil {
		return integrityErr("%s: %v", HdrIntegrity, err)
	}
	picked := pick(fields, names)
	if err := checkSignedFields(names, picked); err != nil {
		return integrityErr("%v", err)
	}
	certAt := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, HdrSignatureCertificate) })
	cert, pub, err := sealCertificate(picked[certAt][0].raw)
	if err != nil {
		return integrityErr("%s: %v", HdrSignatureCertificate, err)
	}
	sig, err := decodeSignature(tags["b"])
	if err != nil {
		return integrityErr("%s: %v", HdrIntegrity, err)
	}
	unsigned, err := withoutSignature(sigField)
	if err != nil {
		return integrityErr("%s: %v", HdrIntegrity, err)
	}
	digest := headerHash(picked, unsigned)
	if !ecdsa.VerifyASN1(pub, digest[:], sig) {
		return integrityErr("%s: the signature b= does not verify with the key of %s: one of the %d fields "+
			"h= names, or the integrity value itself, was changed", HdrIntegrity, HdrSignatureCertificate, len(names))
	}
	res.Signed, res.Certificate, res.SignedFields = true, cert, names
	return nil
}

// signedNames parses h= (RFC 6376 §3.5): header field names separated by
// colons, each at most once, not naming the integrity field itself, which the
// signature covers anyway (§3.7).
func signedNames(tags map[string]string) ([]string, error) {
	h, ok := tags["h"]
	if !ok || h == "" {
		return nil, errors.New("a signature (b=) without h=: it would cover no header field")
	}
	if n := strings.Count(h, ":") + 1; n > maxSignedFields {
		return nil, fmt.Errorf("h= names %d fields, more than %d", n, maxSignedFields)
	}
	names := strings.Split(h, ":")
	for i, n := range names {
		same := func(m string) bool { return strings.EqualFold(m, n) }
		switch {
		case !fieldName(n):
			return nil, fmt.Errorf("h= names %.40q, which is not a header field name", n)
		case same(HdrIntegrity):
			return nil, fmt.Errorf("h= names %s itself", HdrIntegrity)
		case slices.ContainsFunc(names[:i], same):
			return nil, fmt.Errorf("h= names %s twice", n)
		}
	}
	return names, nil
}

// fieldName reports whether s is an RFC 5322 field name (§3.6.8 ftext).
func fieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return s != ""
}

// checkSignedFields checks that h= names every required field and that the
// header holds each named field at most once, each required one exactly once.
// A second instance of a signed field is an attack: a reader shows the first
// (TR PVD-IO §3.1.1), which may be one the signature does not cover
// (RFC 6376 §8.15).
func checkSignedFields(names []string, picked [][]rawField) error {
	required := requiredSignedFields()
	for _, r := range required {
		if !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, r) }) {
			return fmt.Errorf("%s: h= does not name %s, which a signature must cover", HdrIntegrity, r)
		}
	}
	for i, n := range names {
		switch k := len(picked[i]); {
		case k > 1:
			return fmt.Errorf("the signed field %s occurs %d times; it must occur once", n, k)
		case k == 0 && slices.ContainsFunc(required, func(r string) bool { return strings.EqualFold(n, r) }):
			return fmt.Errorf("the signed field %s is missing", n)
		}
	}
	return nil
}

// sealCertificate decodes X-de-mail-signature-certificate, a base64 DER
// certificate that may be folded, and returns it with its ECDSA P-256 key.
func sealCertificate(field []byte) (*x509.Certificate, *ecdsa.PublicKey, error) {
	if limit := 2 * base64.StdEncoding.EncodedLen(maxCertificate); len(field) > limit {
		return nil, nil, fmt.Errorf("the field has %d bytes, more than %d", len(field), limit)
	}
	_, v, _ := bytes.Cut(field, []byte(":"))
	b64 := bytes.Join(bytes.Fields(v), nil)
	if len(b64) > base64.StdEncoding.EncodedLen(maxCertificate) {
		return nil, nil, fmt.Errorf("the certificate is longer than %d bytes", maxCertificate)
	}
	der := make([]byte, base64.StdEncoding.DecodedLen(len(b64)))
	n, err := base64.StdEncoding.Decode(der, b64)
	if err != nil {
		return nil, nil, fmt.Errorf("not base64: %v", err)
	}
	cert, err := x509.ParseCertificate(der[:n])
	if err != nil {
		return nil, nil, fmt.Errorf("not a certificate: %v", err)
	}
	pub, ok := p256Key(cert.PublicKey)
	if !ok {
		return nil, nil, fmt.Errorf("the certificate's key is %s, not ECDSA P-256 (a=%s)", describeKey(cert.PublicKey), signatureAlgorithm)
	}
	return cert, pub, nil
}

// decodeSignature decodes b=, whitespace already removed.
func decodeSignature(b string) ([]byte, error) {
	switch {
	case b == "":
		return nil, errors.New("b= is empty")
	case len(b) > maxSignature:
		return nil, fmt.Errorf("b= has %d characters, more than %d", len(b), maxSignature)
	}
	sig, err := base64.StdEncoding.DecodeString(b)
	if err != nil {
		return nil, fmt.Errorf("b=%.40s is not base64", b)
	}
	return sig, nil
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
			return nil, fmt.Errorf("tag %.40q is not name=value", strings.TrimSpace(spec))
		}
		if _, dup := tags[name]; dup {
			return nil, fmt.Errorf("tag %.40s= occurs twice", name)
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
