package evidence

import (
	"bytes"
	"encoding/base64"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
)

// Namespace is the XML namespace of the evidence document, version 1. The
// element names are ETSI EN 319 522-3's where they fit (see Evidence); the
// namespace is Siegel's because the structure is simplified. A later version
// of the document gets a new namespace, and Parse keeps reading this one: a
// provider must never lose its evidence across an upgrade.
const Namespace = "https://github.com/siegel-mail/siegel/ns/evidence/v1"

// docVersion is the root's version attribute.
const docVersion = "1"

// timeLayout is how every time is written: UTC, "Z", fraction without trailing
// zeros. Parse accepts exactly this form, so a time has one spelling.
const timeLayout = time.RFC3339Nano

// Marshal writes e as the XML document. It checks e first (Check), so it never
// writes a document Parse would refuse; Parse(Marshal(e)) equals e with its
// times in UTC. The output is deterministic: the same e gives the same bytes.
func Marshal(e *Evidence) ([]byte, error) {
	if err := e.Check(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 1536+base64.StdEncoding.EncodedLen(len(e.Issuer.Certificate)))
	b = append(b, `<?xml version="1.0" encoding="UTF-8"?>`+"\n"+
		`<Evidence xmlns="`+Namespace+`" version="`+docVersion+`">`+"\n"...)
	b = leaf(b, 1, "EvidenceIdentifier", e.ID)
	b = leaf(b, 1, "ERDSEventId", string(e.Event))
	if len(e.Reasons) > 0 {
		b = open(b, 1, "EventReasons")
		for _, r := range e.Reasons {
			b = open(b, 2, "EventReason")
			b = leaf(b, 3, "Code", r.Code)
			b = leaf(b, 3, "Details", r.Details)
			b = closeTag(b, 2, "EventReason")
		}
		b = closeTag(b, 1, "EventReasons")
	}
	b = timeLeaf(b, "EventTime", e.EventTime)
	b = timeLeaf(b, "SubmissionTime", e.SubmissionTime)
	if !e.ConsignmentTime.IsZero() {
		b = timeLeaf(b, "ConsignmentTime", e.ConsignmentTime)
	}
	b = open(b, 1, "EvidenceIssuerDetails")
	b = leaf(b, 2, "Name", e.Issuer.Name)
	b = leaf(b, 2, "Domain", e.Issuer.Domain)
	b = indent(b, 2)
	b = append(b, "<X509Certificate>"...)
	b = base64.StdEncoding.AppendEncode(b, e.Issuer.Certificate)
	b = append(b, "</X509Certificate>\n"...)
	b = closeTag(b, 1, "EvidenceIssuerDetails")
	b = party(b, "SenderDetails", &e.Sender)
	b = party(b, "RecipientDetails", &e.Recipient)
	b = leaf(b, 1, "MessageIdentifier", e.MessageID)
	if e.PrivateID != "" {
		b = leaf(b, 1, "SenderFileNumber", e.PrivateID)
	}
	b = open(b, 1, "UserContentInfo")
	b = leaf(b, 2, "DigestMethod", DigestSHA256)
	b = indent(b, 2)
	b = append(b, "<DigestValue>"...)
	b = base64.StdEncoding.AppendEncode(b, e.ContentDigest[:])
	b = append(b, "</DigestValue>\n"...)
	b = closeTag(b, 1, "UserContentInfo")
	b = append(b, "</Evidence>\n"...)
	return b, nil
}

func party(b []byte, name string, p *Party) []byte {
	b = open(b, 1, name)
	b = leaf(b, 2, "ElectronicAddress", p.Address)
	if p.Name != "" {
		b = leaf(b, 2, "DisplayName", p.Name)
	}
	if p.Kind != "" {
		b = leaf(b, 2, "AccountKind", string(p.Kind))
	}
	if p.Level != "" {
		b = leaf(b, 2, "LoginLevel", string(p.Level))
	}
	return closeTag(b, 1, name)
}

func indent(b []byte, depth int) []byte {
	for range depth {
		b = append(b, "  "...)
	}
	return b
}

func open(b []byte, depth int, name string) []byte {
	b = indent(b, depth)
	b = append(b, '<')
	b = append(b, name...)
	return append(b, ">\n"...)
}

func closeTag(b []byte, depth int, name string) []byte {
	b = indent(b, depth)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

func leaf(b []byte, depth int, name, text string) []byte {
	b = indent(b, depth)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = appendEscaped(b, text)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

func timeLeaf(b []byte, name string, t time.Time) []byte {
	b = indent(b, 1)
	b = append(b, '<')
	b = append(b, name...)
	b = append(b, '>')
	b = t.UTC().AppendFormat(b, timeLayout)
	b = append(b, "</"...)
	b = append(b, name...)
	return append(b, ">\n"...)
}

// appendEscaped escapes the characters XML text cannot hold literally. Check
// has already refused control characters, so nothing else needs escaping.
func appendEscaped(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '<':
			b = append(b, "&lt;"...)
		case '>':
			b = append(b, "&gt;"...)
		case '&':
			b = append(b, "&amp;"...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Parse reads an evidence document. It is strict: the document must be UTF-8
// XML of at most MaxDocument bytes in Namespace, version 1, with the elements
// in Marshal's order, each at most once, none unknown, none empty, no
// attributes but the root's, no comments, processing instructions (besides the
// XML declaration) or DTD, and nothing but white space after the root. Every
// error names the element. The result passes Check.
func Parse(doc []byte) (*Evidence, error) {
	if len(doc) > MaxDocument {
		return nil, fieldErr("", "%d bytes, at most %d", len(doc), MaxDocument)
	}
	root, err := readTree(doc)
	if err != nil {
		return nil, err
	}
	e, err := fromTree(root)
	if err != nil {
		return nil, err
	}
	if err := e.Check(); err != nil {
		return nil, err
	}
	return e, nil
}

func fromTree(root *node) (*Evidence, error) {
	// The root's children in document order; * marks the optional ones.
	f, err := root.fields("EvidenceIdentifier", "ERDSEventId", "*EventReasons", "EventTime",
		"SubmissionTime", "*ConsignmentTime", "EvidenceIssuerDetails", "SenderDetails",
		"RecipientDetails", "MessageIdentifier", "*SenderFileNumber", "UserContentInfo")
	if err != nil {
		return nil, err
	}
	e := &Evidence{}
	p := &leafReader{f: f}
	e.ID = p.text("EvidenceIdentifier")
	e.Event = Event(p.text("ERDSEventId"))
	e.EventTime = p.time("EventTime")
	e.SubmissionTime = p.time("SubmissionTime")
	e.ConsignmentTime = p.time("ConsignmentTime")
	e.MessageID = p.text("MessageIdentifier")
	e.PrivateID = p.text("SenderFileNumber")
	if p.err != nil {
		return nil, p.err
	}
	if err := readIssuer(f["EvidenceIssuerDetails"], &e.Issuer); err != nil {
		return nil, err
	}
	if err := readParty(f["SenderDetails"], &e.Sender); err != nil {
		return nil, err
	}
	if err := readParty(f["RecipientDetails"], &e.Recipient); err != nil {
		return nil, err
	}
	if e.Reasons, err = readReasons(f["EventReasons"]); err != nil {
		return nil, err
	}
	if err := readContent(f["UserContentInfo"], &e.ContentDigest); err != nil {
		return nil, err
	}
	return e, nil
}

func readIssuer(n *node, is *Issuer) error {
	f, err := n.fields("Name", "Domain", "X509Certificate")
	if err != nil {
		return err
	}
	p := &leafReader{f: f}
	is.Name = p.text("Name")
	is.Domain = p.text("Domain")
	is.Certificate = p.base64("X509Certificate", MaxCertBytes)
	return p.err
}

func readParty(n *node, pt *Party) error {
	f, err := n.fields("ElectronicAddress", "*DisplayName", "*AccountKind", "*LoginLevel")
	if err != nil {
		return err
	}
	p := &leafReader{f: f}
	pt.Address = p.text("ElectronicAddress")
	pt.Name = p.text("DisplayName")
	pt.Kind = account.Kind(p.text("AccountKind"))
	pt.Level = account.Level(p.text("LoginLevel"))
	return p.err
}

func readReasons(n *node) ([]Reason, error) {
	if n == nil {
		return nil, nil
	}
	if len(n.children) == 0 {
		return nil, fieldErr(n.path, "empty; leave the element out")
	}
	if len(n.children) > MaxReasons {
		return nil, fieldErr(n.path, "%d reasons, at most %d", len(n.children), MaxReasons)
	}
	rs := make([]Reason, 0, len(n.children))
	for _, c := range n.children {
		if c.name != "EventReason" {
			return nil, fieldErr(c.path, "unknown element")
		}
		f, err := c.fields("Code", "Details")
		if err != nil {
			return nil, err
		}
		p := &leafReader{f: f}
		r := Reason{Code: p.text("Code"), Details: p.text("Details")}
		if p.err != nil {
			return nil, p.err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

func readContent(n *node, digest *[32]byte) error {
	f, err := n.fields("DigestMethod", "DigestValue")
	if err != nil {
		return err
	}
	p := &leafReader{f: f}
	if m := p.text("DigestMethod"); p.err == nil && m != DigestSHA256 {
		return fieldErr(f["DigestMethod"].path, "unsupported digest method %q, want %s", m, DigestSHA256)
	}
	v := p.base64("DigestValue", len(digest))
	if p.err != nil {
		return p.err
	}
	if len(v) != len(digest) {
		return fieldErr(f["DigestValue"].path, "%d bytes, a SHA-256 digest has %d", len(v), len(digest))
	}
	copy(digest[:], v)
	return nil
}

// leafReader reads leaf elements from a fields map, keeping the first error.
// An absent optional element reads as the zero value.
type leafReader struct {
	f   map[string]*node
	err error
}

func (p *leafReader) leaf(name string) (*node, bool) {
	n := p.f[name]
	if n == nil || p.err != nil {
		return nil, false
	}
	if len(n.children) > 0 {
		p.err = fieldErr(n.children[0].path, "unknown element")
		return nil, false
	}
	if n.text == "" {
		p.err = fieldErr(n.path, "empty; leave the element out")
		return nil, false
	}
	return n, true
}

func (p *leafReader) text(name string) string {
	if n, ok := p.leaf(name); ok {
		return n.text
	}
	return ""
}

func (p *leafReader) time(name string) time.Time {
	n, ok := p.leaf(name)
	if !ok {
		return time.Time{}
	}
	t, err := time.Parse(timeLayout, n.text)
	if err != nil || n.text[len(n.text)-1] != 'Z' || string(t.UTC().AppendFormat(nil, timeLayout)) != n.text {
		p.err = fieldErr(n.path, "%q is not a UTC time in the form 2006-01-02T15:04:05.999999999Z", n.text)
		return time.Time{}
	}
	return t.UTC()
}

// base64 decodes standard base64 with padding and without line breaks (which
// the decoder would otherwise skip), so a value has one spelling.
func (p *leafReader) base64(name string, max int) []byte {
	n, ok := p.leaf(name)
	if !ok {
		return nil
	}
	if len(n.text) > base64.StdEncoding.EncodedLen(max) {
		p.err = fieldErr(n.path, "longer than %d bytes", max)
		return nil
	}
	for i := 0; i < len(n.text); i++ {
		if c := n.text[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '+' || c == '/' || c == '=') {
			p.err = fieldErr(n.path, "not base64: byte %#02x at %d", c, i)
			return nil
		}
	}
	v, err := base64.StdEncoding.Strict().DecodeString(n.text)
	if err != nil {
		p.err = fieldErr(n.path, "not base64: %v", err)
		return nil
	}
	return v
}

// stamp formats t for error messages.
func stamp(t time.Time) string { return t.UTC().Format(timeLayout) }

// isSpace reports whether b is XML white space only.
func isSpace(b []byte) bool {
	return len(bytes.Trim(b, " \t\r\n")) == 0
}
