package evidence

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/cms"
	"github.com/siegel-mail/siegel/internal/letter"
)

// The checks VerifyConfirmation makes besides those of Verify.
const (
	// CheckMIME: the message is S/MIME multipart/signed as
	// ComposeConfirmation writes it: the signed part and the signature
	// (RFC 8551 §3.5.3), and in the signed part a copy of the header, one
	// text/plain, one application/xml, one application/pdf and one
	// application/pkcs7-mime signed-data part.
	CheckMIME = "mime"
	// CheckEvidenceFile: the evidence file in the message (evidence.p7m)
	// passes Verify with the same roots and options, carries the XML part
	// byte for byte, and is signed by the seal that signed the message.
	CheckEvidenceFile = "evidence-file"
	// CheckHeaders: the outer header, which S/MIME does not sign, is the
	// signed copy (RFC 9788) and agrees with the evidence: From is the
	// reserved address of the event's family at the issuer's domain, To the
	// sender, Cc the recipient, X-de-mail-message-type the event's family,
	// X-de-mail-private-id the sender's file number.
	CheckHeaders = "headers"
)

// VerifiedConfirmation is what a valid confirmation message proves.
type VerifiedConfirmation struct {
	Verified            // the evidence, signer, times and TSA; Content is the evidence XML
	Text      []byte    // the text part, decoded (CRLF line breaks)
	PDF       []byte    // the PDF part, decoded
	File      []byte    // the evidence file, decoded: DER, which Verify accepts
	Subject   string    // the Subject, decoded: the event's prefix, then the letter's subject
	MessageID string    // X-de-mail-message-id: the confirmation's own id
	Date      time.Time // the Date
}

// VerifyConfirmation checks a confirmation message offline and returns
// what it proves. It makes, in order: CheckMIME on the message's structure;
// the checks of Verify on the signature over the signed part, with the same
// names and at the time-stamp's time (CheckCMS … CheckSigningTime);
// CheckMIME on the signed part; CheckContent and CheckIssuer on the
// evidence document; CheckEvidenceFile on the evidence file, whose own
// check that failed the error's text names; and CheckHeaders. A message
// whose line breaks a store turned into bare LFs is read as if they were
// CRLF, the form that was signed (RFC 8551 §3.1.1).
//
// Any failure is a *VerifyError naming the check. VerifyConfirmation never
// panics and reads at most MaxConfirmation bytes.
func VerifyConfirmation(raw []byte, roots *x509.CertPool, opts VerifyOptions) (*VerifiedConfirmation, error) {
	if len(raw) > MaxConfirmation {
		return nil, failf(CheckMIME, "%d bytes, at most %d", len(raw), MaxConfirmation)
	}
	opts, err := opts.with(roots)
	if err != nil {
		return nil, err
	}
	m, err := readSignedMessage(canonical(raw))
	if err != nil {
		return nil, err
	}
	f, err := parseDetached(m.signature, m.signed)
	if err != nil {
		return nil, err
	}
	v, err := verifySealed(f, roots, opts)
	if err != nil {
		return nil, err
	}
	p, err := readPayload(m.signed)
	if err != nil {
		return nil, err
	}
	if err := v.checkDocument(p.xml); err != nil {
		return nil, err
	}
	if err := checkEvidenceFile(p.file, v, roots, opts); err != nil {
		return nil, err
	}
	vc := &VerifiedConfirmation{Verified: *v, Text: p.text, PDF: p.pdf, File: p.file}
	if err := vc.checkHeaders(m.header, p.header); err != nil {
		return nil, err
	}
	return vc, nil
}

// checkEvidenceFile makes CheckEvidenceFile on file against v, what the
// message's signature proved. The file is checked at its own time-stamp's
// time, as Verify does when it is checked alone. The signer's equality
// follows from the content's and the two issuer checks, but is checked all
// the same: it is the point of the check, and should not rest on that
// reasoning.
func checkEvidenceFile(file []byte, v *Verified, roots *x509.CertPool, opts VerifyOptions) error {
	fv, err := Verify(file, roots, opts)
	if err != nil {
		var ve *VerifyError
		if errors.As(err, &ve) { // Verify's errors always are
			return &VerifyError{Check: CheckEvidenceFile, Err: fmt.Errorf("evidence.p7m fails check %s: %w", ve.Check, ve.Err)}
		}
		return &VerifyError{Check: CheckEvidenceFile, Err: err}
	}
	if !fv.Signer.Equal(v.Signer) {
		return failf(CheckEvidenceFile, "evidence.p7m is signed by %s, the message by %s", fv.Signer.Subject, v.Signer.Subject)
	}
	if !bytes.Equal(fv.Content, v.Content) {
		return failf(CheckEvidenceFile, "evidence.p7m carries another document than evidence.xml")
	}
	return nil
}

func mimeErr(format string, args ...any) error { return failf(CheckMIME, format, args...) }

func headersErr(format string, args ...any) error { return failf(CheckHeaders, format, args...) }

// canonical returns msg with every line break CRLF.
func canonical(msg []byte) []byte {
	bare := bytes.Count(msg, []byte("\n")) - bytes.Count(msg, []byte("\r\n"))
	if bare == 0 {
		return msg
	}
	out := make([]byte, 0, len(msg)+bare)
	for i, c := range msg {
		if c == '\n' && (i == 0 || msg[i-1] != '\r') {
			out = append(out, '\r')
		}
		out = append(out, c)
	}
	return out
}

// signedMessage is a confirmation message taken apart; nothing in it is
// verified yet.
type signedMessage struct {
	header    header
	signed    []byte // the first part: the bytes the signature covers
	signature []byte // the second part, decoded: DER
}

// readSignedMessage takes multipart/signed apart (RFC 1847 §2.1; RFC 8551
// §3.5.3): the protocol application/pkcs7-signature, micalg sha-256 (the
// seal's digest, §3.5.3.2), two parts, the second a base64 signature.
func readSignedMessage(msg []byte) (*signedMessage, error) {
	h, body, err := readHeader(msg)
	if err != nil {
		return nil, mimeErr("the message's header: %v", err)
	}
	mt, params, err := h.mediaType()
	switch {
	case err != nil:
		return nil, mimeErr("the message's %v", err)
	case mt != "multipart/signed":
		return nil, mimeErr("the message is %s, not multipart/signed", mt)
	case !strings.EqualFold(params["protocol"], "application/pkcs7-signature"):
		return nil, mimeErr("the protocol is %q, not application/pkcs7-signature", params["protocol"])
	case !strings.EqualFold(params["micalg"], "sha-256"):
		return nil, mimeErr("micalg is %q, not sha-256", params["micalg"])
	}
	parts, err := splitMultipart(body, params["boundary"], 2)
	if err != nil {
		return nil, mimeErr("multipart/signed: %v", err)
	}
	if len(parts) != 2 {
		return nil, mimeErr("multipart/signed has %d parts, not the signed part and the signature", len(parts))
	}
	sh, sig, err := readHeader(parts[1])
	if err != nil {
		return nil, mimeErr("the signature part: %v", err)
	}
	if mt, _, err := sh.mediaType(); err != nil {
		return nil, mimeErr("the signature part's %v", err)
	} else if mt != "application/pkcs7-signature" {
		return nil, mimeErr("the second part is %s, not application/pkcs7-signature", mt)
	}
	if cte, _ := sh.get("Content-Transfer-Encoding"); !strings.EqualFold(cte, "base64") {
		return nil, mimeErr("the signature is in %q, not base64", cte)
	}
	der, err := base64.StdEncoding.AppendDecode(nil, sig) // skips the line breaks
	if err != nil {
		return nil, mimeErr("the signature's base64: %v", err)
	}
	return &signedMessage{header: h, signed: parts[0], signature: der}, nil
}

// parseDetached reads the signature of a confirmation: a detached
// SignedData over content, the signed part, in the profile of an evidence
// file (checkProfile).
func parseDetached(der, content []byte) (*signedFile, error) {
	if len(der) > MaxFile {
		return nil, failf(CheckCMS, "the signature has %d bytes, at most %d", len(der), MaxFile)
	}
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, &VerifyError{Check: CheckCMS, Err: err}
	}
	if !sd.Detached {
		return nil, failf(CheckCMS, "the signature carries content: multipart/signed signs its first part, detached (RFC 8551 §3.5.3)")
	}
	if err := sd.Attach(content); err != nil {
		return nil, &VerifyError{Check: CheckCMS, Err: err}
	}
	return checkProfile(sd)
}

// payload is the signed part taken apart.
type payload struct {
	header               header // with the copy of the message's header (RFC 9788)
	text, xml, pdf, file []byte // decoded
}

// readPayload takes the signed part apart: multipart/mixed with one
// text/plain part in UTF-8, one application/xml, one application/pdf and
// one application/pkcs7-mime of smime-type signed-data (RFC 8551 §3.2.2),
// in any order.
func readPayload(signed []byte) (*payload, error) {
	h, body, err := readHeader(signed)
	if err != nil {
		return nil, mimeErr("the signed part's header: %v", err)
	}
	mt, params, err := h.mediaType()
	if err != nil {
		return nil, mimeErr("the signed part's %v", err)
	} else if mt != "multipart/mixed" {
		return nil, mimeErr("the signed part is %s, not multipart/mixed", mt)
	}
	parts, err := splitMultipart(body, params["boundary"], 4)
	if err != nil {
		return nil, mimeErr("the signed part: %v", err)
	}
	p := &payload{header: h}
	seen := map[string]bool{}
	for i, part := range parts {
		ph, pbody, err := readHeader(part)
		if err != nil {
			return nil, mimeErr("signed part %d: %v", i+1, err)
		}
		mt, params, err := ph.mediaType()
		if err != nil {
			return nil, mimeErr("signed part %d: %v", i+1, err)
		}
		data, err := ph.decode(pbody)
		if err != nil {
			return nil, mimeErr("signed part %d (%s): %v", i+1, mt, err)
		}
		if seen[mt] {
			return nil, mimeErr("a second %s part", mt)
		}
		seen[mt] = true
		switch {
		case mt == "text/plain" && strings.EqualFold(params["charset"], "utf-8") && utf8.Valid(data):
			p.text = data
		case mt == "application/xml":
			p.xml = data
		case mt == "application/pdf" && bytes.HasPrefix(data, []byte("%PDF-")):
			p.pdf = data
		case mt == "application/pkcs7-mime" && strings.EqualFold(params["smime-type"], "signed-data"):
			p.file = data
		default:
			return nil, mimeErr("signed part %d is %s: want text/plain in UTF-8, application/xml, a PDF or signed-data application/pkcs7-mime", i+1, mt)
		}
	}
	if len(seen) != 4 {
		return nil, mimeErr("the signed part has %d parts, not the text, the evidence, the PDF and the evidence file", len(parts))
	}
	return p, nil
}

// header is a header section as read: the fields in order, each value
// unfolded (RFC 5322 §2.2.3) and trimmed of the white space around it.
type header []field

// maxFields bounds the fields read of one header: transport adds Received
// fields to the outer one, but not hundreds.
const maxFields = 200

// readHeader reads the header section at the start of b (RFC 5322 §2.2;
// for a MIME part, RFC 2046 §5.1.1) and returns the rest after the empty
// line: the body.
func readHeader(b []byte) (header, []byte, error) {
	var h header
	start, end := -1, 0 // where the current field's value is in b
	flush := func() {
		if start >= 0 { // every CRLF in a field precedes a WSP: remove it to unfold
			h[len(h)-1].value = strings.Trim(strings.ReplaceAll(string(b[start:end]), "\r\n", ""), " \t")
		}
	}
	for pos := 0; ; {
		i := bytes.Index(b[pos:], []byte("\r\n"))
		if i < 0 {
			return nil, nil, errors.New("no empty line ends the header")
		}
		line := b[pos : pos+i]
		switch {
		case i == 0:
			flush()
			return h, b[pos+2:], nil
		case line[0] == ' ' || line[0] == '\t':
			if start < 0 {
				return nil, nil, errors.New("the header starts with a continuation line")
			}
		default:
			flush()
			colon := bytes.IndexByte(line, ':')
			if colon <= 0 || !fieldName(line[:colon]) {
				return nil, nil, fmt.Errorf("%.40q is not a header field", line)
			}
			if len(h) == maxFields {
				return nil, nil, fmt.Errorf("more than %d fields", maxFields)
			}
			h = append(h, field{name: string(line[:colon])})
			start = pos + colon + 1
		}
		end = pos + i
		pos += i + 2
	}
}

// fieldName reports whether name is a field name: printable ASCII but
// the colon (RFC 5322 §3.6.8).
func fieldName(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' || c == ':' {
			return false
		}
	}
	return true
}

// get returns the value of the field name (case-insensitive, RFC 5322
// §1.2.2), the first if there are several, and how many there are.
func (h header) get(name string) (string, int) {
	var v string
	n := 0
	for _, f := range h {
		if strings.EqualFold(f.name, name) {
			if n == 0 {
				v = f.value
			}
			n++
		}
	}
	return v, n
}

// mediaType reads the one Content-Type: the media type in lower case and
// the parameters (RFC 2045 §5.1; RFC 2231).
func (h header) mediaType() (string, map[string]string, error) {
	v, n := h.get("Content-Type")
	if n != 1 {
		return "", nil, fmt.Errorf("%d Content-Type fields, not one", n)
	}
	mt, params, err := mime.ParseMediaType(v)
	if err != nil {
		return "", nil, fmt.Errorf("Content-Type %.60q: %v", v, err)
	}
	return mt, params, nil
}

// decode decodes a part's body by its Content-Transfer-Encoding (RFC 2045
// §6): base64, quoted-printable, or none.
func (h header) decode(body []byte) ([]byte, error) {
	cte, n := h.get("Content-Transfer-Encoding")
	if n > 1 {
		return nil, errors.New("several Content-Transfer-Encoding fields")
	}
	switch strings.ToLower(cte) {
	case "base64":
		return base64.StdEncoding.AppendDecode(nil, body) // skips the line breaks
	case "quoted-printable":
		return io.ReadAll(quotedprintable.NewReader(bytes.NewReader(body)))
	case "", "7bit", "8bit":
		return body, nil
	}
	return nil, fmt.Errorf("unknown Content-Transfer-Encoding %.40q", cte)
}

// splitMultipart splits a multipart body at the delimiter lines of bnd
// (RFC 2046 §5.1.1), allowing transport padding after them, and returns
// the parts: each the bytes between the CRLF that ends a delimiter line and
// the CRLF before the next delimiter, which belongs to it. For the first
// part of multipart/signed these are the bytes signed (RFC 1847 §2.1). It
// requires the close delimiter and refuses more than max parts; preamble
// and epilogue are skipped.
func splitMultipart(body []byte, bnd string, max int) ([][]byte, error) {
	if bnd == "" || len(bnd) > 70 {
		return nil, fmt.Errorf("the boundary %.80q is not 1 to 70 characters", bnd)
	}
	delim := []byte("--" + bnd)
	var parts [][]byte
	start := -1 // where the current part begins; -1 in the preamble
	for pos := 0; pos < len(body); {
		line, next := body[pos:], len(body)
		if i := bytes.Index(line, []byte("\r\n")); i >= 0 {
			line, next = line[:i], pos+i+2
		}
		rest, ok := bytes.CutPrefix(line, delim)
		closing := ok && bytes.HasPrefix(rest, []byte("--"))
		if closing {
			rest = rest[2:]
		}
		if ok && len(bytes.Trim(rest, " \t")) == 0 {
			if start >= 0 {
				if pos-2 < start {
					return nil, errors.New("a delimiter line follows another: a part without its header")
				}
				parts = append(parts, body[start:pos-2])
			}
			switch {
			case closing && start < 0:
				return nil, errors.New("the close delimiter comes before any part")
			case closing:
				return parts, nil
			case len(parts) == max:
				return nil, fmt.Errorf("more than %d parts", max)
			}
			start = next
		}
		pos = next
	}
	return nil, errors.New("no close delimiter: truncated")
}

// checkHeaders makes CheckHeaders: the outer fields agree with the
// evidence, they are the signed copies (so the copies agree too), and the
// copy holds what the reader sees of the message; it fills in Subject,
// MessageID and Date from the signed copy.
func (vc *VerifiedConfirmation) checkHeaders(outer, signed header) error {
	e := vc.Evidence
	w, _ := wordingOf(e.Event) // Parse checked the event
	if err := checkParties(outer, e, w); err != nil {
		return err
	}
	copies := 0
	for _, f := range signed {
		if isMIMEField(f.name) {
			continue
		}
		copies++
		if _, n := signed.get(f.name); n != 1 {
			return headersErr("the signed part repeats %s %d times", f.name, n)
		}
		if v, n := outer.get(f.name); n != 1 || v != f.value {
			return headersErr("the message's %s (%d fields: %.80q) is not the signed one, %.80q", f.name, n, v, f.value)
		}
	}
	required := []string{"Date", "From", "To", "Cc", "Subject", "Message-ID", letter.HdrMessageType, letter.HdrMessageID}
	if e.PrivateID != "" {
		required = append(required, letter.HdrPrivateID)
	}
	if NotificationType(e) != "" {
		required = append(required, letter.HdrNotificationType)
	}
	for _, name := range required {
		if _, n := signed.get(name); n != 1 {
			return headersErr("the signed part does not repeat %s", name)
		}
	}
	return vc.readMeta(signed, w)
}

// isMIMEField reports whether name describes a MIME entity rather than
// the message, so that the signed part's own differs from the message's.
func isMIMEField(name string) bool {
	return strings.EqualFold(name, "MIME-Version") || len(name) >= 8 && strings.EqualFold(name[:8], "Content-")
}

// checkParties checks the fields that say who the message is from and for,
// and what it is, against the evidence.
func checkParties(h header, e *Evidence, w wording) error {
	from := w.mailbox + "@" + e.Issuer.Domain
	for _, want := range []struct{ name, addr string }{{"From", from}, {"To", e.Sender.Address}, {"Cc", e.Recipient.Address}} {
		v, n := h.get(want.name)
		if n != 1 {
			return headersErr("%d %s fields, not one", n, want.name)
		}
		list, err := mail.ParseAddressList(v)
		if err != nil || len(list) != 1 || !strings.EqualFold(list[0].Address, want.addr) {
			return headersErr("%s is %.80q, but the evidence makes it %s", want.name, v, want.addr)
		}
	}
	if v, n := h.get(letter.HdrMessageType); n != 1 || v != w.msgType {
		return headersErr("%s is %.40q, but the evidence is of %s", letter.HdrMessageType, v, e.Event.Name())
	}
	v, n := h.get(letter.HdrPrivateID)
	if n > 1 || n == 1 && decodeWords(v) != e.PrivateID || n == 0 && e.PrivateID != "" {
		return headersErr("%s is %.80q, but the evidence says %.80q", letter.HdrPrivateID, decodeWords(v), e.PrivateID)
	}
	if v, n := h.get(letter.HdrNotificationType); n > 1 || v != NotificationType(e) {
		return headersErr("%s is %.40q, but the evidence makes it %q", letter.HdrNotificationType, v, NotificationType(e))
	}
	return nil
}

// readMeta reads Subject, X-de-mail-message-id and Date of the signed copy:
// the subject starts with the event's prefix, and Message-ID is
// <X-de-mail-message-id@issuer domain>.
func (vc *VerifiedConfirmation) readMeta(signed header, w wording) error {
	subject, _ := signed.get("Subject")
	vc.Subject = decodeWords(subject)
	if !strings.HasPrefix(vc.Subject, w.prefix) {
		return headersErr("the subject %.80q does not start with %s", vc.Subject, w.prefix)
	}
	vc.MessageID, _ = signed.get(letter.HdrMessageID)
	msgID, _ := signed.get("Message-ID")
	if !letter.DotAtom(vc.MessageID) || msgID != "<"+vc.MessageID+"@"+vc.Evidence.Issuer.Domain+">" {
		return headersErr("Message-ID %.80q is not <%s@%s>", msgID, vc.MessageID, vc.Evidence.Issuer.Domain)
	}
	date, _ := signed.get("Date")
	var err error
	if vc.Date, err = mail.ParseDate(date); err != nil {
		return headersErr("Date %.40q: %v", date, err)
	}
	return nil
}

// decodeWords decodes RFC 2047 encoded-words; a value that does not decode
// stays as it is, and then differs from what the evidence says.
func decodeWords(s string) string {
	d, err := new(mime.WordDecoder).DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
