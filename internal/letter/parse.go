package letter

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
)

// Limits Parse puts on hostile input.
const (
	MaxMIMEDepth = 10   // nesting levels, the top-level entity being level 1
	MaxMIMEParts = 1000 // entities in the whole tree
)

// ErrFormat is wrapped by every Parse error: the message is malformed, which a
// receiving provider answers with an "invalid-format" notification
// (TR PVD-IO §3.1.20).
var ErrFormat = errors.New("letter: malformed message")

// Parsed is what a reader sees of a stored message.
type Parsed struct {
	MessageID string // X-de-mail-message-id
	From      string // the address in From
	FromName  string // the display name in From, decoded
	Subject   string // decoded
	Text      string // the first inline text/plain part, line breaks as LF

	// Recipients as X-de-mail-chosen-recipient names them (the To and Cc fields
	// when it is missing); Bcc is whatever bcc this copy may show.
	To, Cc, Bcc []string

	Options     Options       // as the headers say; missing options are "no" (TR PVD-IO §3.1.2)
	AuthLevel   account.Level // X-de-mail-auth-level, "" when absent
	Provider    string        // X-de-mail-originator-provider
	Date        time.Time
	Attachments []Attachment // every other leaf part, ContentType as NormalizeContentType gives it
	Type        string       // X-de-mail-message-type

	// MsgID is the Message-ID field's msg-id, InReplyTo the first of
	// In-Reply-To and References those of References (RFC 5322 §3.6.4):
	// each without its angle brackets, "" or nil when absent. They are read
	// as found; check one with MsgID before writing it into a letter.
	MsgID      string
	InReplyTo  string
	References []string

	// EndToEnd is how the sender's client protected the content, by the
	// top-level Content-Type (see EndToEnd): "" when it did not.
	EndToEnd string
}

// Parse reads a complete message (header block and body) as stored. It survives
// hostile input: it never panics, refuses MIME nesting deeper than MaxMIMEDepth
// levels and more than MaxMIMEParts parts, and allocates in proportion to the
// input. It requires From, Date, X-de-mail-message-id and X-de-mail-message-type,
// and X-de-mail-auth-level on a normal message (TR PVD-IO §3.1.1, Table 1). It
// does not check integrity; see CheckIntegrity.
func Parse(raw []byte) (*Parsed, error) {
	hdr, body := splitMessage(raw)
	h, err := readHeader(hdr)
	if err != nil {
		return nil, err
	}
	p, err := parseMeta(h)
	if err != nil {
		return nil, err
	}
	w := walker{p: p}
	if err := w.entity(textproto.MIMEHeader(h), bytes.NewReader(body), 1); err != nil {
		return nil, err
	}
	return p, nil
}

func formatErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrFormat}, args...)...)
}

// splitMessage splits raw after the first empty line, the end of the header
// block (RFC 5322 §2.1). Without one, all of raw is header.
func splitMessage(raw []byte) (hdr, body []byte) {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			break
		}
		if j == 0 || j == 1 && raw[i] == '\r' {
			return raw[:i+j+1], raw[i+j+1:]
		}
		i += j + 1
	}
	return raw, nil
}

func readHeader(hdr []byte) (mail.Header, error) {
	m, err := mail.ReadMessage(bytes.NewReader(hdr))
	if err != nil {
		return nil, formatErr("header: %v", err)
	}
	return m.Header, nil
}

// parseMeta reads the RFC 5322 and X-de-mail-* fields (TR PVD-IO §3.1). Where
// a field occurs twice, the first counts (TR PVD-IO §3.1.1).
func parseMeta(h mail.Header) (*Parsed, error) {
	p := &Parsed{
		MessageID: h.Get(HdrMessageID),
		Type:      h.Get(HdrMessageType),
		Provider:  h.Get(HdrProvider),
		Subject:   decodeText(h.Get("Subject")),
		AuthLevel: account.Level(h.Get(HdrAuthLevel)),
	}
	switch {
	case p.MessageID == "":
		return nil, formatErr("no %s", HdrMessageID)
	case p.Type == "":
		return nil, formatErr("no %s", HdrMessageType)
	case p.AuthLevel == "" && p.Type == TypeNormal:
		return nil, formatErr("no %s", HdrAuthLevel)
	case p.AuthLevel != "" && p.AuthLevel != account.Normal && p.AuthLevel != account.High:
		return nil, formatErr("%s is %q, not normal or high", HdrAuthLevel, p.AuthLevel)
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil {
		return nil, formatErr("From: %v", err)
	}
	p.From, p.FromName = from.Address, from.Name
	if ids := msgIDs(h.Get("Message-ID"), 1); len(ids) > 0 {
		p.MsgID = ids[0]
	}
	if ids := msgIDs(h.Get("In-Reply-To"), 1); len(ids) > 0 {
		p.InReplyTo = ids[0]
	}
	p.References = msgIDs(h.Get("References"), maxParsedReferences)
	p.EndToEnd = EndToEnd(h.Get("Content-Type"))
	if p.Date, err = h.Date(); err != nil {
		return nil, formatErr("Date: %v", err)
	}
	if p.Options, err = parseOptions(h); err != nil {
		return nil, err
	}
	if err := parseRecipients(h, p); err != nil {
		return nil, err
	}
	return p, nil
}

// parseOptions reads the dispatch options (TR PVD-IO §3.1.2–§3.1.6, §3.1.17).
func parseOptions(h mail.Header) (Options, error) {
	var o Options
	flags := [...]struct {
		name string
		v    *bool
	}{
		{HdrPrivate, &o.Personal},
		{HdrAuthoritative, &o.SenderConfirmed},
		{HdrDispatch, &o.DispatchConfirmation},
		{HdrReceipt, &o.ReceiptConfirmation},
		{HdrRetrieve, &o.PickupConfirmation},
	}
	for _, f := range flags {
		switch v := h.Get(f.name); v {
		case "yes":
			*f.v = true
		case "no", "": // a missing field means "no"
		default:
			return o, formatErr("%s is %q, not yes or no", f.name, v)
		}
	}
	o.PrivateID = decodeText(h.Get(HdrPrivateID))
	return o, nil
}

func parseRecipients(h mail.Header, p *Parsed) error {
	if v := h.Get(HdrChosenRecipient); v != "" {
		var err error
		if p.To, p.Cc, p.Bcc, err = ParseChosenRecipient(v); err != nil {
			return formatErr("%v", err)
		}
		return nil
	}
	for _, f := range [...]struct {
		name string
		dst  *[]string
	}{{"To", &p.To}, {"Cc", &p.Cc}} {
		if h.Get(f.name) == "" {
			continue
		}
		addrs, err := parseAddrs(h.Get(f.name))
		if err != nil {
			return formatErr("%s: %v", f.name, err)
		}
		*f.dst = addrs
	}
	return nil
}

// maxParsedReferences bounds what Parse reads of References: a reply keeps
// MaxReferences of them in any case.
const maxParsedReferences = 100

// msgIDs reads up to n msg-ids "<…>" from a field value (RFC 5322 §3.6.4),
// without their angle brackets; what is between them (phrases, comments of
// obsolete syntax) is skipped.
func msgIDs(v string, n int) []string {
	var out []string
	for len(out) < n {
		i := strings.IndexByte(v, '<')
		if i < 0 {
			break
		}
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			break
		}
		if id := strings.TrimSpace(v[i+1 : i+j]); id != "" {
			out = append(out, id)
		}
		v = v[i+j+1:]
	}
	return out
}

// decodeText decodes RFC 2047 encoded-words; a value that does not decode is
// returned as it stands, so that nothing is hidden from the reader.
func decodeText(s string) string {
	if !strings.Contains(s, "=?") {
		return s
	}
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}

// walker collects text and attachments from a MIME tree.
type walker struct {
	p       *Parsed
	parts   int
	hasText bool
}

// entity reads one MIME entity: a multipart's parts recursively, or a leaf.
func (w *walker) entity(h textproto.MIMEHeader, body io.Reader, depth int) error {
	if w.parts++; w.parts > MaxMIMEParts {
		return formatErr("more than %d MIME parts", MaxMIMEParts)
	}
	if depth > MaxMIMEDepth {
		return formatErr("MIME nesting deeper than %d levels", MaxMIMEDepth)
	}
	mt, params := "text/plain", map[string]string{} // RFC 2045 §5.2
	if ct := h.Get("Content-Type"); ct != "" {
		var err error
		if mt, params, err = mime.ParseMediaType(ct); err != nil {
			return formatErr("Content-Type %q: %v", ct, err)
		}
	}
	if strings.HasPrefix(mt, "multipart/") {
		return w.multipart(params["boundary"], body, depth)
	}
	data, err := decodeBody(h.Get("Content-Transfer-Encoding"), body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := dparams["filename"]
	if name == "" {
		name = params["name"]
	}
	if !w.hasText && mt == "text/plain" && disp != "attachment" && name == "" {
		w.hasText = true
		w.p.Text = normalizeText(textString(data, params["charset"]))
		return nil
	}
	w.p.Attachments = append(w.p.Attachments, Attachment{
		Filename:    name,
		ContentType: mime.FormatMediaType(mt, withoutName(params)),
		Data:        data,
	})
	return nil
}

func (w *walker) multipart(boundary string, body io.Reader, depth int) error {
	if boundary == "" {
		return formatErr("multipart without boundary")
	}
	mr := multipart.NewReader(body, boundary)
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return formatErr("multipart: %v", err)
		}
		if err := w.entity(textproto.MIMEHeader(part.Header), part, depth+1); err != nil {
			return err
		}
	}
}

func withoutName(params map[string]string) map[string]string {
	delete(params, "name")
	return params
}

// decodeBody undoes a Content-Transfer-Encoding (RFC 2045 §6).
func decodeBody(cte string, r io.Reader) ([]byte, error) {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "", "7bit", "8bit", "binary":
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	default:
		return nil, formatErr("unknown Content-Transfer-Encoding %q", cte)
	}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, formatErr("%s body: %v", cte, err)
	}
	return data, nil
}

// textString turns a text part into UTF-8: ISO-8859-1 is converted, anything
// else that is not UTF-8 has its invalid bytes replaced.
func textString(b []byte, charset string) string {
	if strings.EqualFold(charset, "iso-8859-1") && !utf8.Valid(b) {
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}
