package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/letter"
)

// A confirmation message is the evidence as mail: what the sender (and, in
// Cc, the recipient) receives for each event (SPEC "Message format"). It is
// an S/MIME signed message (RFC 8551 §3.5.3), so that a mail client shows
// it as signed and `openssl cms -verify` checks it:
//
//	multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256
//	├─ multipart/mixed; hp="clear"   the signed part, with a copy of the header
//	│  ├─ text/plain                 what happened, in German, then English
//	│  ├─ application/xml            evidence.xml: Marshal of the evidence
//	│  ├─ application/pdf            evidence.pdf: RenderPDF of the evidence
//	│  └─ application/pkcs7-mime     evidence.p7m: the evidence file (SignEvidence)
//	└─ application/pkcs7-signature   smime.p7s: the signature, detached
//
// The signature is the one of an evidence file (Sign), CAdES B-T over the
// signed part instead of over the XML: the signed attributes content-type,
// message-digest, signing-time, signing-certificate-v2, the seal
// certificate and its chain, and the signature time-stamp. S/MIME leaves
// the outer header unsigned, so the signed part repeats it (header
// protection, RFC 9788: the hp="clear" parameter marks a signed-only
// message), and VerifyConfirmation requires the outer fields to be those
// copies and to agree with the evidence.
//
// The evidence file travels in the message as well, because the message's
// own signature covers a MIME entity that only a mail reader takes apart:
// a court takes the .p7m out of the mail and checks it alone, and a
// sender's provider stores the file that the recipient's provider signed
// (federation). VerifyConfirmation checks that it is the same evidence,
// sealed by the same seal.

// The reserved system mailboxes confirmations come from, one for each
// family of events (SPEC "Message format"): their local parts, at the
// issuing provider's domain.
const (
	DispatchMailbox = "Versandbestaetigung"  // SubmissionAcceptance, SubmissionRejection, RelayAcceptance, RelayFailure
	ReceiptMailbox  = "Eingangsbestaetigung" // ContentConsignment, ContentConsignmentFailure
	PickupMailbox   = "Abholbestaetigung"    // ContentHandover, ContentHandoverFailure
)

// The X-de-mail-message-type of confirmations (SPEC "Message format"). A
// failure has the type of its family: it is the confirmation the sender
// asked for, saying that the event did not happen.
const (
	TypeDispatchConfirmation = "confirmation of dispatch"
	TypeReceiptConfirmation  = "confirmation of receipt"
	TypeRetrieveConfirmation = "confirmation of retrieve"
)

// MaxConfirmation is the largest confirmation message VerifyConfirmation
// reads: the evidence (at most MaxDocument) twice, as XML and in the
// evidence file, its PDF and the signature, base64-encoded, with room to
// spare.
const MaxConfirmation = 2 << 20

// Confirmation is what a confirmation message says besides the evidence.
type Confirmation struct {
	Evidence *Evidence // the facts; Issuer must be the signer's
	// MessageID is the confirmation's own id: X-de-mail-message-id, and
	// Message-ID <MessageID@issuer domain>. Dot-atom text (RFC 5322 §3.2.3).
	MessageID string
	Subject   string    // the original letter's subject (UTF-8, may be empty)
	Date      time.Time // the confirmation's Date header
	// File is the evidence file of Evidence: what SignEvidence returned for
	// it, attached to the message as it is.
	File []byte
}

// ConfirmationMailbox is the local part of the address confirmations of ev
// come from; "" for an unknown event.
func (ev Event) ConfirmationMailbox() string { w, _ := wordingOf(ev); return w.mailbox }

// ConfirmationType is the X-de-mail-message-type of confirmations of ev;
// "" for an unknown event.
func (ev Event) ConfirmationType() string { w, _ := wordingOf(ev); return w.msgType }

// ComposeConfirmation renders the confirmation message of c (RFC 5322,
// CRLF, 7-bit) and signs its signed part with a detached CMS signature by s
// at now, time-stamped by ts: the same CAdES B-T profile as Sign, and the
// same refusals (an issuer certificate other than the signer's, a seal
// certificate not valid at now, a bad time-stamp), and it refuses a
// missing File or one whose document is not that of the evidence. It
// returns the whole message. Given its inputs, the message is the same but
// for the signature and the time-stamp: the MIME boundaries derive from the
// message id.
func ComposeConfirmation(ctx context.Context, c *Confirmation, s Signer, ts Timestamper, now time.Time) ([]byte, error) {
	if c == nil || c.Evidence == nil {
		return nil, errors.New("evidence: confirmation: no evidence")
	}
	doc, err := Marshal(c.Evidence)
	if err != nil {
		return nil, fmt.Errorf("evidence: confirmation: the document: %w", err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	if err := c.checkFile(doc); err != nil {
		return nil, err
	}
	pdf, err := RenderPDF(c.Evidence)
	if err != nil {
		return nil, fmt.Errorf("evidence: confirmation: %w", err)
	}
	w, _ := wordingOf(c.Evidence.Event) // Marshal checked the event
	fields := c.fields(w)
	signed, err := signedPart(c, fields, doc, pdf, w)
	if err != nil {
		return nil, err
	}
	sig, tst, err := seal(ctx, signed, c.Evidence.Issuer.Certificate, s, ts, now)
	if err != nil {
		return nil, err
	}
	der, err := sig.MarshalDetached(tst)
	if err != nil {
		return nil, fmt.Errorf("evidence: confirmation: %w", err)
	}
	return assemble(c.MessageID, fields, signed, der)
}

// check refuses what would not fit into the header: the evidence is checked.
func (c *Confirmation) check() error {
	e := c.Evidence
	switch {
	case len(c.MessageID) > MaxID || !letter.DotAtom(c.MessageID):
		return fmt.Errorf("evidence: confirmation: message id %q is not dot-atom text of at most %d bytes", c.MessageID, MaxID)
	case len(c.Subject) > letter.MaxSubject || !utf8.ValidString(c.Subject) || hasControl(c.Subject):
		return fmt.Errorf("evidence: confirmation: the subject is not UTF-8 text without control characters of at most %d bytes", letter.MaxSubject)
	case c.Date.Year() < 1900 || c.Date.Year() > 9999: // RFC 5322 §3.3: four-digit years
		return fmt.Errorf("evidence: confirmation: date %s out of range", stamp(c.Date))
	}
	for _, a := range []string{e.Sender.Address, e.Recipient.Address} {
		// The addresses go into To and Cc as they are.
		if p, err := mail.ParseAddress(a); err != nil || p.Address != a || p.Name != "" {
			return fmt.Errorf("evidence: confirmation: %q cannot stand in a header as it is", a)
		}
	}
	return nil
}

// checkFile refuses an evidence file that is not the evidence of the
// message, doc: a caller that signed one evidence and composes another would
// hand out two proofs that disagree. The file's signature is not checked
// again (SignEvidence has just made it, and VerifyConfirmation checks it);
// its form is, as parsing costs little, and so is its size, which Verify
// bounds.
func (c *Confirmation) checkFile(doc []byte) error {
	if len(c.File) == 0 {
		return errors.New("evidence: confirmation: no evidence file: the message carries the one SignEvidence made")
	}
	if len(c.File) > MaxFile {
		return fmt.Errorf("evidence: confirmation: the evidence file has %d bytes, at most %d", len(c.File), MaxFile)
	}
	f, err := parseSignedFile(c.File)
	if err != nil {
		return fmt.Errorf("evidence: confirmation: the evidence file: %w", err)
	}
	if !bytes.Equal(f.sd.Content, doc) {
		return errors.New("evidence: confirmation: the evidence file carries another document than Marshal of the evidence")
	}
	return nil
}

// hasControl reports whether s holds a C0 or C1 control character, which
// would break the header or the text.
func hasControl(s string) bool {
	for _, r := range s {
		if r < 0x20 || r >= 0x7f && r < 0xa0 {
			return true
		}
	}
	return false
}

// field is a header field as written: its value encoded, not folded.
type field struct{ name, value string }

// fields are the header fields of the message but for its MIME fields: the
// ones the signed part repeats (RFC 9788). Date has whole seconds
// (RFC 5322 §3.3). In-Reply-To and References name the letter
// (letterMessageID), so that a mail client shows the confirmation in its
// thread.
func (c *Confirmation) fields(w wording) []field {
	e := c.Evidence
	subject := w.prefix
	if c.Subject != "" {
		subject += " " + c.Subject
	}
	f := []field{
		{"Date", c.Date.Format(time.RFC1123Z)},
		{"From", w.mailbox + "@" + e.Issuer.Domain},
		{"To", e.Sender.Address},
		{"Cc", e.Recipient.Address},
		{"Subject", encodeWords(subject, maxLine-len("Subject: "))},
		{"Message-ID", "<" + c.MessageID + "@" + e.Issuer.Domain + ">"},
	}
	if id := letterMessageID(e); id != "" {
		f = append(f, field{"In-Reply-To", id}, field{"References", id})
	}
	f = append(f,
		field{letter.HdrVersion, letter.Version},
		field{letter.HdrMessageType, w.msgType},
		field{letter.HdrMessageID, c.MessageID})
	if e.PrivateID != "" { // TR PVD-IO §3.1.17: copied into every confirmation
		f = append(f, field{letter.HdrPrivateID, unstructured(letter.HdrPrivateID, e.PrivateID)})
	}
	if t := NotificationType(e); t != "" {
		f = append(f, field{letter.HdrNotificationType, t})
	}
	return f
}

// NotificationType is the X-de-mail-notification-type of a confirmation of
// e: on the failures that tell a sender that a letter did not reach its
// recipient, the TR's value for the first reason (TR PVD-IO §3.1.20:
// unknown-recipient, closed-account, invalid-format, and other for every
// other reason); "" on every other event.
func NotificationType(e *Evidence) string {
	switch e.Event {
	case SubmissionRejection, ContentConsignmentFailure, RelayFailure:
	default:
		return ""
	}
	if len(e.Reasons) > 0 {
		switch c := e.Reasons[0].Code; c {
		case ReasonUnknownRecipient, ReasonClosedAccount, ReasonInvalidFormat:
			return c
		}
	}
	return ReasonOther
}

// letterMessageID is the msg-id of the letter the evidence is about, or ""
// when the evidence's message identifier cannot make one. A letter's
// Message-ID is <X-de-mail-message-id@the sending provider's domain>; the
// evidence does not name that provider, so the domain of the sender's
// address stands in for it, unless the identifier has a domain of its own.
func letterMessageID(e *Evidence) string {
	domain := e.Sender.Address[strings.LastIndexByte(e.Sender.Address, '@')+1:]
	id := e.MessageID
	if local, d, ok := strings.Cut(id, "@"); ok {
		id, domain = local, d
	}
	if !letter.DotAtom(id) || !letter.DotAtom(domain) {
		return ""
	}
	return "<" + id + "@" + domain + ">"
}

// maxLine is the longest line written where the content allows: RFC 2045
// §6.7 and §6.8 for the encoded bodies, and the header within RFC 5322
// §2.1.1's 78.
const maxLine = 76

// appendField appends "name: value" CRLF, folded before spaces (RFC 5322
// §2.2.3) where a line would grow longer than maxLine. Unfolding, which
// removes each CRLF before a space, gives back the value.
func appendField(b []byte, name, value string) []byte {
	b = append(b, name...)
	b = append(b, ':', ' ')
	n := len(name) + 2
	for value != "" {
		end := len(value)
		if i := strings.IndexByte(value[1:], ' '); i >= 0 {
			end = i + 1
		}
		word := value[:end]
		if word[0] == ' ' && n+len(word) > maxLine {
			b = append(b, '\r', '\n')
			n = 0
		}
		b = append(b, word...)
		n += len(word)
		value = value[end:]
	}
	return append(b, '\r', '\n')
}

// unstructured returns s as the value of an unstructured field name
// (RFC 5322 §3.2.5): as it is when it reads back unchanged and folds within
// maxLine (printable words, single spaces, no "=?", which a reader takes
// for an encoded-word), else as encoded-words.
func unstructured(name, s string) string {
	max := maxLine - len(name) - 2
	word := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' && i > 0 && i < len(s)-1 && s[i+1] != ' ':
			word = 0
		case c > ' ' && c <= '~' && !(c == '=' && i+1 < len(s) && s[i+1] == '?') && word < max:
			word++
		default:
			return encodeWords(s, max)
		}
	}
	return s
}

// encodeWords encodes s, valid UTF-8, as RFC 2047 "Q" encoded-words of at
// most max characters, separated by spaces so that the field folds. A
// character is never split between words (RFC 2047 §5(3)).
func encodeWords(s string, max int) string {
	const open, close = "=?utf-8?q?", "?="
	room := max - len(open) - len(close)
	var b strings.Builder
	b.Grow(len(s)*3 + 16)
	b.WriteString(open)
	n := 0
	for _, r := range s {
		var buf [12]byte
		enc := appendQ(buf[:0], r)
		if n > 0 && n+len(enc) > room {
			b.WriteString(close + " " + open)
			n = 0
		}
		b.Write(enc)
		n += len(enc)
	}
	b.WriteString(close)
	return b.String()
}

// appendQ appends r in the "Q" encoding, where only the characters RFC 2047
// §5(3) allows everywhere stay literal and a space is "_" (§4.2).
func appendQ(b []byte, r rune) []byte {
	const hexDigits = "0123456789ABCDEF"
	var u [utf8.UTFMax]byte
	for _, c := range u[:utf8.EncodeRune(u[:], r)] {
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!*+-/", c) >= 0:
			b = append(b, c)
		case c == ' ':
			b = append(b, '_')
		default:
			b = append(b, '=', hexDigits[c>>4], hexDigits[c&15])
		}
	}
	return b
}

// boundary derives a MIME boundary from the message id. It starts with
// "=_", which neither quoted-printable nor base64 can produce and no header
// line starts with, so it occurs in no part (RFC 2046 §5.1.1).
func boundary(kind, messageID string) string {
	h := sha256.Sum256([]byte("siegel confirmation " + kind + "\x00" + messageID))
	return "=_" + kind + "_" + hex.EncodeToString(h[:12])
}

// signedPart writes the MIME entity the signature covers, in canonical form
// (CRLF, RFC 8551 §3.1.1): multipart/mixed with the header's copy, the text,
// the evidence document, its PDF and c.File, the evidence file: SignedData
// with its content attached, which RFC 8551 §3.2 types as
// application/pkcs7-mime with smime-type signed-data, named .p7m (§3.2.1).
func signedPart(c *Confirmation, fields []field, doc, pdf []byte, w wording) ([]byte, error) {
	bnd := boundary("mixed", c.MessageID)
	b := make([]byte, 0, 2048+(len(doc)+len(pdf)+len(c.File))*4/3)
	b = appendField(b, "Content-Type", `multipart/mixed; boundary="`+bnd+`"; hp="clear"`)
	for _, f := range fields {
		b = appendField(b, f.name, f.value)
	}
	b = append(b, "\r\n"...)
	b = append(b, "--"+bnd+"\r\n"...)
	b = appendField(b, "Content-Type", "text/plain; charset=utf-8")
	b = appendField(b, "Content-Transfer-Encoding", "quoted-printable")
	b = append(b, "\r\n"...)
	var qp bytes.Buffer
	q := quotedprintable.NewWriter(&qp)
	// Writes to a bytes.Buffer do not fail.
	q.Write([]byte(confirmationText(c, w)))
	q.Close()
	b = append(b, qp.Bytes()...)
	b = appendAttachment(b, bnd, "application/xml", "evidence.xml", doc)
	b = appendAttachment(b, bnd, "application/pdf", "evidence.pdf", pdf)
	b = appendAttachment(b, bnd, "application/pkcs7-mime; smime-type=signed-data", "evidence.p7m", c.File)
	b = append(b, "\r\n--"+bnd+"--\r\n"...)
	if bytes.Count(b, []byte("--"+bnd)) != 5 { // four delimiters and the close
		return nil, errors.New("evidence: confirmation: the boundary occurs in a part") // a bug: boundary says why not
	}
	return b, nil
}

// appendAttachment appends, after the delimiter, a part that is a file.
func appendAttachment(b []byte, bnd, mediaType, name string, data []byte) []byte {
	b = append(b, "\r\n--"+bnd+"\r\n"...)
	b = appendField(b, "Content-Type", mediaType+"; name="+name)
	b = appendField(b, "Content-Disposition", "attachment; filename="+name)
	b = appendField(b, "Content-Transfer-Encoding", "base64")
	b = append(b, "\r\n"...)
	return appendBase64(b, data)
}

// appendBase64 appends data in base64 with lines of maxLine characters
// (RFC 2045 §6.8), each ending in CRLF but the last.
func appendBase64(b []byte, data []byte) []byte {
	enc := base64.StdEncoding.AppendEncode(nil, data)
	for len(enc) > maxLine {
		b = append(b, enc[:maxLine]...)
		b = append(b, '\r', '\n')
		enc = enc[maxLine:]
	}
	return append(b, enc...)
}

// assemble writes the message: the header, and the signed part and the
// signature as multipart/signed (RFC 8551 §3.5.3; RFC 1847 §2.1).
func assemble(messageID string, fields []field, signed, der []byte) ([]byte, error) {
	bnd := boundary("signed", messageID)
	b := make([]byte, 0, 1024+len(signed)+len(der)*4/3)
	for _, f := range fields {
		b = appendField(b, f.name, f.value)
	}
	b = appendField(b, "MIME-Version", "1.0")
	b = appendField(b, "Content-Type", `multipart/signed; protocol="application/pkcs7-signature"; micalg=sha-256; boundary="`+bnd+`"`)
	b = append(b, "\r\nThis is an S/MIME signed message (RFC 8551).\r\n"...)
	b = append(b, "--"+bnd+"\r\n"...)
	b = append(b, signed...)
	b = append(b, "\r\n--"+bnd+"\r\n"...)
	b = appendField(b, "Content-Type", "application/pkcs7-signature; name=smime.p7s")
	b = appendField(b, "Content-Disposition", "attachment; filename=smime.p7s")
	b = appendField(b, "Content-Transfer-Encoding", "base64")
	b = append(b, "\r\n"...)
	b = appendBase64(b, der)
	b = append(b, "\r\n--"+bnd+"--\r\n"...)
	if bytes.Count(b, []byte("--"+bnd)) != 3 { // two delimiters and the close
		return nil, errors.New("evidence: confirmation: the boundary occurs in a part") // a bug: boundary says why not
	}
	return b, nil
}
