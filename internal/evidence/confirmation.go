package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
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
//	│  └─ application/pdf            evidence.pdf: RenderPDF of the evidence
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

// The reserved system mailboxes confirmations come from, one for each
// family of events (SPEC "Message format"): their local parts, at the
// issuing provider's domain.
const (
	DispatchMailbox = "Versandbestaetigung"  // SubmissionAcceptance, SubmissionRejection
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
// reads: the evidence (at most MaxDocument), its PDF and the signature,
// base64-encoded, with room to spare.
const MaxConfirmation = 2 << 20

// Confirmation is what a confirmation message says besides the evidence.
type Confirmation struct {
	Evidence *Evidence // the facts; Issuer must be the signer's
	// MessageID is the confirmation's own id: X-de-mail-message-id, and
	// Message-ID <MessageID@issuer domain>. Dot-atom text (RFC 5322 §3.2.3).
	MessageID string
	Subject   string    // the original letter's subject (UTF-8, may be empty)
	Date      time.Time // the confirmation's Date header
}

// wording is how a confirmation of one event reads.
type wording struct {
	mailbox, msgType string
	prefix           string // of the Subject, before the letter's subject
	titleDE, titleEN string
	saysDE, saysEN   string // what happened, in a sentence
}

// wordingOf returns the wording of ev. The subject prefixes of failures
// are Siegel's choice, as the SPEC names only the confirmations':
// "*Ablehnung*" (the provider refused the letter), "*Zustellfehler*" (it
// could not be stored), and "*Zustellfiktion*" for a letter not picked up,
// as a pickup confirmation is only asked for formal service, where that
// means the letter is deemed served (VwZG §5a(4)).
func wordingOf(ev Event) (wording, bool) {
	switch ev {
	case SubmissionAcceptance:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Versandbestätigung*",
			"Versandbestätigung", "Confirmation of dispatch",
			"Die Nachricht hat das Postfach des Absenders verlassen und wurde versandt.",
			"The message left the sender's mailbox and was dispatched."}, true
	case SubmissionRejection:
		return wording{DispatchMailbox, TypeDispatchConfirmation, "*Ablehnung*",
			"Ablehnung des Versands", "Dispatch refused",
			"Die Nachricht wurde nicht versandt: Der Anbieter des Absenders hat sie abgelehnt.",
			"The message was not dispatched: the sender's provider refused it."}, true
	case ContentConsignment:
		return wording{ReceiptMailbox, TypeReceiptConfirmation, "*Eingangsbestätigung*",
			"Eingangsbestätigung", "Confirmation of receipt",
			"Die Nachricht wurde im Postfach des Empfängers abgelegt.",
			"The message was stored in the recipient's mailbox."}, true
	case ContentConsignmentFailure:
		return wording{ReceiptMailbox, TypeReceiptConfirmation, "*Zustellfehler*",
			"Zustellfehler", "Delivery failure",
			"Die Nachricht konnte nicht im Postfach des Empfängers abgelegt werden.",
			"The message could not be stored in the recipient's mailbox."}, true
	case ContentHandover:
		return wording{PickupMailbox, TypeRetrieveConfirmation, "*Abholbestätigung*",
			"Abholbestätigung", "Confirmation of retrieval",
			"Der Empfänger hat sich nach dem Eingang der Nachricht mit dem Anmeldeniveau high an seinem Postfach angemeldet.",
			"The recipient logged in to the mailbox at level high after the message arrived."}, true
	case ContentHandoverFailure:
		return wording{PickupMailbox, TypeRetrieveConfirmation, "*Zustellfiktion*",
			"Zustellfiktion: nicht abgeholt", "Not picked up: deemed served",
			"Die Nachricht wurde nicht rechtzeitig abgeholt; bei förmlicher Zustellung gilt sie am dritten Tag nach dem Versand als zugestellt (VwZG §5a(4)).",
			"The message was not picked up in time; formal service deems it served on the third day after dispatch (VwZG §5a(4))."}, true
	}
	return wording{}, false
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
// certificate not valid at now, a bad time-stamp). It returns the whole
// message. Given its inputs, the message is the same but for the signature
// and the time-stamp: the MIME boundaries derive from the message id.
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
	case len(c.MessageID) > MaxID || !dotAtom(c.MessageID):
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

// dotAtom reports whether s is RFC 5322 §3.2.3 dot-atom-text.
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' || strings.Contains(s, "..") {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '.' && !isAtext(c) {
			return false
		}
	}
	return true
}

// isAtext reports whether c is RFC 5322 §3.2.3 atext.
func isAtext(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
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
	return f
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
	if !dotAtom(id) || !dotAtom(domain) {
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
// the evidence document and its PDF.
func signedPart(c *Confirmation, fields []field, doc, pdf []byte, w wording) ([]byte, error) {
	bnd := boundary("mixed", c.MessageID)
	b := make([]byte, 0, 2048+len(doc)*4/3+len(pdf)*4/3)
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
	b = append(b, "\r\n--"+bnd+"--\r\n"...)
	if bytes.Count(b, []byte("--"+bnd)) != 4 { // three delimiters and the close
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

// language is what the text part says in one language besides the facts.
type language struct {
	de                    bool
	title, says, confirms string
	subject, noSubject    string
	signed, check, or     string // how to check the message
	file, root            string // placeholders in the commands
}

// confirmationText is the text part: what happened and the facts, in
// German, then in English, and how to check the message.
func confirmationText(c *Confirmation, w wording) string {
	facts := factsOf(c.Evidence)
	var b strings.Builder
	for i, l := range []language{
		{true, w.titleDE, w.saysDE, "bestätigt", "Betreff", "(ohne Betreff)",
			"Diese Nachricht ist mit dem Siegel des Ausstellers signiert (S/MIME). Der Anhang evidence.xml ist der Nachweis zur maschinellen Prüfung, evidence.pdf zeigt dieselben Angaben.",
			"Prüfen Sie die Nachricht mit", "oder", "Nachricht.eml", "Wurzelzertifikat der Akkreditierungsstelle"},
		{false, w.titleEN, w.saysEN, "confirms", "Subject", "(no subject)",
			"This message is signed with the issuer's seal (S/MIME). The attachment evidence.xml is the evidence for machines, evidence.pdf shows the same facts.",
			"Check the message with", "or", "message.eml", "the accreditation authority's root certificate"},
	} {
		if i > 0 {
			b.WriteString("\n-----\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n%s %s: %s\n\n", l.title, c.Evidence.Issuer.Name, l.confirms, l.says)
		subject := c.Subject
		if subject == "" {
			subject = l.noSubject
		}
		fmt.Fprintf(&b, "%s: %s\n", l.subject, subject)
		for _, f := range facts {
			label := f.en
			if l.de {
				label = f.de
			}
			fmt.Fprintf(&b, "%s: %s\n", label, f.value)
		}
		fmt.Fprintf(&b, "\n%s %s\n  siegel verify <%s> --root <%s>\n%s\n  openssl cms -verify -in <%s> -CAfile <%s> -purpose any\n",
			l.signed, l.check, l.file, l.root, l.or, l.file, l.root)
	}
	return b.String()
}

// fact is one line of what a confirmation shows: its label in German and in
// English, and its value.
type fact struct{ de, en, value string }

// factsOf lists every field of e, as the text part and the PDF show them.
func factsOf(e *Evidence) []fact {
	f := make([]fact, 0, 32)
	add := func(de, en, value string) {
		if value != "" {
			f = append(f, fact{de, en, value})
		}
	}
	add("Ereignis", "Event", string(e.Event))
	add("Nachweis-ID", "Evidence ID", e.ID)
	add("Zeitpunkt des Ereignisses", "Time of the event", timeText(e.EventTime))
	add("Zeitpunkt des Versands", "Time of dispatch", timeText(e.SubmissionTime))
	if !e.ConsignmentTime.IsZero() {
		add("Zeitpunkt des Eingangs", "Time of receipt", timeText(e.ConsignmentTime))
	}
	for _, r := range e.Reasons {
		add("Grund", "Reason", r.Code+": "+r.Details)
	}
	for _, p := range []struct {
		de, deOf, en string
		p            *Party
	}{{"Absender", "des Absenders", "Sender", &e.Sender}, {"Empfänger", "des Empfängers", "Recipient", &e.Recipient}} {
		add(p.de, p.en, p.p.Address)
		add("Name "+p.deOf, p.en+"'s name", p.p.Name)
		add("Kontoart "+p.deOf, p.en+"'s account kind", string(p.p.Kind))
		add("Anmeldeniveau "+p.deOf, p.en+"'s login level", string(p.p.Level))
	}
	add("Nachrichten-ID", "Message ID", e.MessageID)
	add("Aktenzeichen des Absenders", "Sender's file number", e.PrivateID)
	add("Prüfsumme der Nachricht", "Digest of the message", hex.EncodeToString(e.ContentDigest[:]))
	add("Prüfsummenverfahren", "Digest method", DigestSHA256)
	add("Aussteller", "Issuer", e.Issuer.Name)
	add("Domain des Ausstellers", "Issuer's domain", e.Issuer.Domain)
	subject := "(kein X.509-Zertifikat / not an X.509 certificate)"
	if cert, err := x509.ParseCertificate(e.Issuer.Certificate); err == nil {
		subject = cert.Subject.String()
	}
	add("Siegelzertifikat", "Seal certificate", subject)
	add("SHA-256-Fingerabdruck", "SHA-256 fingerprint", fingerprint(e.Issuer.Certificate))
	return f
}

// fingerprint is the SHA-256 of der as openssl x509 -fingerprint shows it.
func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// timeText shows t in UTC and in German legal time.
func timeText(t time.Time) string {
	const layout = "2006-01-02 15:04:05.999999999"
	return t.UTC().Format(layout) + " UTC (Berlin: " + germanTime(t).Format(layout+" -07:00") + ")"
}

// germanTime is t in German legal time (EinhZeitG §4): CET, UTC+1, and
// CEST, UTC+2, from 01:00 UTC on the last Sunday of March to 01:00 UTC on
// the last Sunday of October (Directive 2000/84/EC Art. 2, 3). Computed
// here rather than read from a time zone database: the package reads no
// files, and the rule has held since 1996.
func germanTime(t time.Time) time.Time {
	t = t.UTC()
	start := lastSunday(t.Year(), time.March).Add(time.Hour)
	end := lastSunday(t.Year(), time.October).Add(time.Hour)
	if !t.Before(start) && t.Before(end) {
		return t.In(time.FixedZone("CEST", 2*3600))
	}
	return t.In(time.FixedZone("CET", 3600))
}

// lastSunday is midnight UTC of the last Sunday of month m in year y.
func lastSunday(y int, m time.Month) time.Time {
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC) // day 0: the last day of m
	return last.AddDate(0, 0, -int(last.Weekday()))
}
