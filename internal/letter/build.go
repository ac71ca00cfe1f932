package letter

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
)

// View selects whose copy of a letter a header block is for. Only the sender and
// each bcc recipient see bcc addresses, each recipient only its own
// (TR PVD-IO §3.1.8, §3.1.21 item 2).
type View int

// Views of a letter.
const (
	ViewSender    View = iota // the sender's copy in Sent: all bcc recipients
	ViewRecipient             // a To or Cc recipient's copy: no bcc part
	ViewBcc                   // one bcc recipient's copy: only that address
)

// Message is a built letter: one body shared by every copy and the header
// fields from which each copy's header block is rendered. It is immutable, and
// safe for concurrent use. Every byte of it is 7-bit ASCII.
type Message struct {
	id          string
	to, cc, bcc []string
	head        []byte // header fields before X-de-mail-chosen-recipient
	tail        []byte // header fields after it, and the blank line
	body        []byte
	hash        [32]byte
	integrity   string
}

// maxMessageID bounds Draft.MessageID, which becomes part of a msg-id.
const maxMessageID = 200

// Build makes the message once. The body (the MIME entity after the top-level
// header block) is the same for every copy; only the header block differs per
// copy, because X-de-mail-chosen-recipient shows bcc addresses only to the sender
// and to the one bcc recipient (TR PVD-IO §3.1.8: one copy per bcc recipient).
//
// A sender-confirmed letter is sealed: d.Seal signs its header fields and body
// hash in X-de-mail-integrity, with the seal certificate in
// X-de-mail-signature-certificate (TR PVD-IO §3.4; see sealedFields). One
// signature serves every copy. Sealing draws randomness (ECDSA), so two builds
// of a sealed draft differ in the signature; other letters build byte for byte
// the same from the same draft, and carry the body hash only.
//
// Build refuses a draft CheckDraft refuses (without a size limit), options whose
// private id is unsafe, provider-set fields (MessageID, From, FromName,
// Provider, AuthLevel, Date) that do not fit into headers, threading fields
// (InReplyTo, References) that are not msg-ids, and a sender-confirmed
// draft without a usable Seal. The options are normalized (pickup confirmation
// implies personal).
func Build(d Draft) (*Message, error) {
	if err := checkBuild(d); err != nil {
		return nil, err
	}
	d.Options = d.Options.Normalize()
	m := &Message{id: d.MessageID, to: slices.Clone(d.To), cc: slices.Clone(d.Cc), bcc: slices.Clone(d.Bcc)}
	var ctype string
	m.body, ctype = buildBody(d)
	m.hash = sha256.Sum256(m.body)
	m.head = buildHead(d)
	mime := appendField(make([]byte, 0, 128), "Content-Type", ctype)
	if len(d.Attachments) == 0 {
		mime = appendField(mime, "Content-Transfer-Encoding", "quoted-printable")
	}
	integrity, err := m.integrityFields(d, mime)
	if err != nil {
		return nil, err
	}
	m.tail = slices.Concat(integrity, mime, []byte("\r\n"))
	return m, nil
}

// integrityFields sets m.integrity and returns the fields that carry it, which
// precede the Content-* fields mime: for a sender-confirmed letter the seal
// certificate and a signature, otherwise the body hash alone.
func (m *Message) integrityFields(d Draft, mime []byte) ([]byte, error) {
	if !d.Options.SenderConfirmed {
		m.integrity = integrityValue(m.hash)
		return appendField(make([]byte, 0, 128), HdrIntegrity, m.integrity), nil
	}
	fields, v, err := sealFields(d.Seal, m.head, mime, m.hash)
	if err != nil {
		return nil, err
	}
	m.integrity = v
	return fields, nil
}

// checkBuild checks what Build needs beyond CheckDraft: the fields the provider
// sets must be safe in headers.
func checkBuild(d Draft) error {
	if err := CheckDraft(d, 0); err != nil {
		return err
	}
	if err := checkPrivateID(d.Options.PrivateID); err != nil {
		return err
	}
	switch {
	case len(d.MessageID) > maxMessageID || !DotAtom(d.MessageID):
		return fmt.Errorf("letter: message id %q is not dot-atom text of at most %d bytes", d.MessageID, maxMessageID)
	case !validAddress(d.From):
		return fmt.Errorf("letter: sender %q is not an address", d.From)
	case len(d.FromName) > 256 || !utf8.ValidString(d.FromName) || hasControl(d.FromName):
		return fmt.Errorf("letter: sender name %q is not a valid display name", d.FromName)
	case d.InReplyTo != "" && !MsgID(d.InReplyTo):
		return fmt.Errorf("letter: In-Reply-To %q is not a msg-id", d.InReplyTo)
	case len(d.References) > MaxReferences:
		return fmt.Errorf("letter: %d References; at most %d", len(d.References), MaxReferences)
	case slices.ContainsFunc(d.References, func(r string) bool { return !MsgID(r) }):
		return fmt.Errorf("letter: References %q has what is not a msg-id", d.References)
	case !hostname(d.Provider):
		return fmt.Errorf("letter: provider %q is not a domain", d.Provider)
	case d.AuthLevel != account.Normal && d.AuthLevel != account.High:
		return fmt.Errorf("letter: unknown auth level %q", d.AuthLevel)
	case d.Date.Year() < 1900 || d.Date.Year() > 9999:
		return fmt.Errorf("letter: date %v out of range", d.Date)
	}
	if d.Options.SenderConfirmed {
		return checkSeal(d.Seal)
	}
	return nil
}

// buildHead renders the header fields every copy shares, in a fixed order:
// RFC 5322 fields, then the X-de-mail-* metadata (TR PVD-IO §3.1.1, Table 1).
func buildHead(d Draft) []byte {
	b := make([]byte, 0, 1024+len(d.Subject)*3+len(d.Options.PrivateID)*3+recipientsLen(d.To, d.Cc, d.References)+len(d.InReplyTo))
	b = append(b, "Date: "...)
	b = d.Date.AppendFormat(b, time.RFC1123Z)
	b = append(b, '\r', '\n')
	from := d.From
	if d.FromName != "" {
		from = phrase(d.FromName) + " <" + d.From + ">"
	}
	b = appendField(b, "From", from)
	b = appendField(b, "To", strings.Join(d.To, ", "))
	if len(d.Cc) > 0 {
		b = appendField(b, "Cc", strings.Join(d.Cc, ", "))
	}
	b = appendField(b, "Subject", unstructured(d.Subject))
	b = appendField(b, "Message-ID", "<"+d.MessageID+"@"+d.Provider+">")
	if d.InReplyTo != "" {
		b = appendField(b, "In-Reply-To", "<"+d.InReplyTo+">")
	}
	if len(d.References) > 0 {
		b = appendField(b, "References", "<"+strings.Join(d.References, "> <")+">")
	}
	b = appendField(b, "MIME-Version", "1.0")
	b = appendField(b, HdrVersion, Version)
	b = appendField(b, HdrMessageType, TypeNormal)
	b = appendField(b, HdrMessageID, d.MessageID)
	b = appendField(b, HdrSender, d.From)
	if d.FromName != "" { // TR PVD-IO §3.1.19: the name, or only the pseudonym
		b = appendField(b, HdrAccountHolder, unstructured(d.FromName))
	}
	b = appendField(b, HdrProvider, d.Provider)
	b = appendField(b, HdrAuthLevel, string(d.AuthLevel))
	o := d.Options
	b = appendField(b, HdrPrivate, yesNo(o.Personal))
	b = appendField(b, HdrAuthoritative, yesNo(o.SenderConfirmed))
	b = appendField(b, HdrDispatch, yesNo(o.DispatchConfirmation))
	b = appendField(b, HdrReceipt, yesNo(o.ReceiptConfirmation))
	b = appendField(b, HdrRetrieve, yesNo(o.PickupConfirmation))
	if o.PrivateID != "" {
		b = appendField(b, HdrPrivateID, unstructured(o.PrivateID))
	}
	return b
}

func recipientsLen(lists ...[]string) int {
	n := 0
	for _, l := range lists {
		for _, a := range l {
			n += len(a) + 3
		}
	}
	return n
}

// yesNo spells a dispatch option as TR PVD-IO §3.1.2–§3.1.6 want it.
func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// integrityValue is X-de-mail-integrity of a letter that is not sealed: a
// DKIM-style tag list (RFC 6376 §3.5; TR PVD-IO §3.1.13, §3.1.21) with the
// SHA-256 hash of the simple-canonicalized body. A sender-confirmed letter
// carries a signature instead (sealFields).
func integrityValue(h [32]byte) string {
	return "v=1; a=sha256; c=simple/simple; bh=" + base64.StdEncoding.EncodeToString(h[:])
}

// MessageID returns the letter's X-de-mail-message-id.
func (m *Message) MessageID() string { return m.id }

// Body returns the MIME body (CRLF line endings), stored once as a blob and
// shared by every copy. It is already in DKIM simple canonical form (it ends in
// exactly one CRLF after a non-empty line). The caller must not modify it.
func (m *Message) Body() []byte { return m.body }

// BodyHash is the SHA-256 of Body(): the integrity value's bh= (RFC 6376 §3.7).
func (m *Message) BodyHash() [32]byte { return m.hash }

// Integrity returns the value of X-de-mail-integrity as a reader unfolds it from
// the header, which confirmations carry as the message's check value (DMG §5(7)
// no. 4; TR PVD-IO §3.5.1): the body hash, and for a sender-confirmed letter the
// signature.
func (m *Message) Integrity() string { return m.integrity }

// Header renders the complete top-level header block, ending with the blank line,
// for one copy. For ViewBcc, bccAddr names the bcc recipient whose copy it is; an
// address that is not among the bcc recipients, or an unknown view, gets the
// recipient view, which shows no bcc at all.
func (m *Message) Header(v View, bccAddr string) []byte {
	var bcc []string
	switch v {
	case ViewSender:
		bcc = m.bcc
	case ViewBcc:
		for i, a := range m.bcc {
			if strings.EqualFold(a, bccAddr) {
				bcc = m.bcc[i : i+1]
				break
			}
		}
	}
	cr := chosenRecipient(m.to, m.cc, bcc)
	b := make([]byte, 0, len(m.head)+len(HdrChosenRecipient)+len(cr)+len(cr)/32+8+len(m.tail))
	b = append(b, m.head...)
	b = appendField(b, HdrChosenRecipient, cr)
	return append(b, m.tail...)
}

// Bytes returns one copy as a complete message: Header(v, bccAddr) and Body().
func (m *Message) Bytes(v View, bccAddr string) []byte {
	h := m.Header(v, bccAddr)
	out := make([]byte, 0, len(h)+len(m.body))
	return append(append(out, h...), m.body...)
}

// buildBody renders the MIME body and returns it with its top-level Content-Type:
// text/plain in quoted-printable alone, or multipart/mixed with the text first
// and then each attachment in base64 (RFC 2045, RFC 2046 §5.1.3; TR PVD-IO §3.4).
func buildBody(d Draft) (body []byte, ctype string) {
	if len(d.Attachments) == 0 {
		b := make([]byte, 0, qpEstimate(d.Text)+3)
		return appendTextBody(b, d.Text), "text/plain; charset=utf-8"
	}
	n := qpEstimate(d.Text) + 256
	for _, a := range d.Attachments {
		n += base64.StdEncoding.EncodedLen(len(a.Data))*78/76 + 512 + 3*len(a.Filename)
	}
	text := appendQP(make([]byte, 0, qpEstimate(d.Text)), d.Text)
	boundary := chooseBoundary(d.MessageID, text)
	b := make([]byte, 0, n+len(text))
	b = append(b, "--"...)
	b = append(b, boundary...)
	b = append(b, "\r\nContent-Type: text/plain; charset=utf-8\r\n"+
		"Content-Transfer-Encoding: quoted-printable\r\n\r\n"...)
	b = append(b, text...)
	for _, a := range d.Attachments {
		b = append(b, "\r\n--"...)
		b = append(b, boundary...)
		b = append(b, '\r', '\n')
		b = appendAttachment(b, a)
	}
	b = append(b, "\r\n--"...)
	b = append(b, boundary...)
	b = append(b, "--\r\n"...)
	return b, "multipart/mixed; boundary=" + boundary
}

// chooseBoundary derives the multipart boundary from the message id, so that a
// build is reproducible, and makes sure the text does not contain it (RFC 2046
// §5.1.1); base64 parts and header lines cannot.
func chooseBoundary(id string, text []byte) string {
	for i := 0; ; i++ {
		h := sha256.Sum256([]byte("siegel letter boundary\x00" + id + "\x00" + strconv.Itoa(i)))
		b := "siegel-" + hex.EncodeToString(h[:16])
		if !containsString(text, "--"+b) {
			return b
		}
	}
}

func containsString(b []byte, s string) bool {
	return strings.Contains(string(b), s) // no copy: the compiler elides the conversion
}

// appendAttachment renders one attachment part: headers, blank line and the data
// in base64 with lines of 76 characters (RFC 2045 §6.8). The file name goes into
// both the Content-Type name and the Content-Disposition filename parameters,
// RFC 2231-encoded when not ASCII.
func appendAttachment(b []byte, a Attachment) []byte {
	b = appendField(b, "Content-Type", attachmentType(a))
	b = appendField(b, "Content-Disposition", formatParam("attachment", "filename", a.Filename))
	b = append(b, "Content-Transfer-Encoding: base64\r\n\r\n"...)
	const chunk = 57 // 76 base64 characters
	for i := 0; i < len(a.Data); i += chunk {
		if i > 0 {
			b = append(b, '\r', '\n')
		}
		b = base64.StdEncoding.AppendEncode(b, a.Data[i:min(i+chunk, len(a.Data))])
	}
	return b
}
