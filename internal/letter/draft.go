package letter

import (
	"mime"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
)

// Limits of a draft.
const (
	MaxRecipients     = 1000 // To, Cc and Bcc together
	MaxSubject        = 998  // bytes: RFC 5322 §2.1.1 line limit
	MaxFilename       = 255  // bytes: what common file systems store
	MaxContentType    = 255  // bytes of an attachment's media type with parameters
	MaxReferences     = 20   // msg-ids in References; a longer thread keeps its first and latest
	maxMsgID          = 250  // bytes of one msg-id in In-Reply-To or References
	maxAddress        = 253  // SPEC "Addresses": whole address ≤ 253
	maxLocalPart      = 64   // SPEC "Addresses": local part ≤ 64
	defaultAttachType = "application/octet-stream"
)

// Attachment is one file attached to a letter.
type Attachment struct {
	Filename    string // base name without directories
	ContentType string // media type; application/octet-stream when empty
	Data        []byte
}

// Draft is a letter as the sender composed it, with the metadata the sender's
// provider adds before it is sealed (TR PVD-FU §5.1; TR PVD-IO §2.1).
type Draft struct {
	MessageID   string // unique id: Message-ID <id@Provider> and X-de-mail-message-id
	From        string // sender address
	FromName    string // display name, may be empty; a pseudonym sender shows the pseudonym only
	To, Cc, Bcc []string
	Subject     string
	Text        string // text/plain body, UTF-8; line breaks are sent as CRLF
	Attachments []Attachment
	Options     Options

	// InReplyTo and References thread a reply (RFC 5322 §3.6.4): the
	// msg-id of the letter answered, and the thread's msg-ids, oldest
	// first, at most MaxReferences. Each is "left@right" without the angle
	// brackets, both sides dot-atom text (see MsgID); empty for a letter
	// that answers none.
	InReplyTo  string
	References []string

	AuthLevel account.Level // the sender's login level at sending
	Provider  string        // the originator provider's domain
	Date      time.Time

	// Seal signs a sender-confirmed letter and is required for one; other
	// letters do not use it (TR PVD-IO §3.4).
	Seal Sealer
}

// CheckDraft validates what the sender wrote. It returns the first broken rule, in
// this order: recipients (to required, count, each address, duplicates), subject,
// text, each attachment (filename, content type), total size. Fields are named as
// in the JSON request: "to", "cc[1]", "subject", "attachments[2].filename" …
//
// maxBytes limits the text plus all attachment data (SPEC "Limits": at least
// 20 MiB per user message); maxBytes ≤ 0 disables that check. CheckDraft does not
// look at Options (see CheckOptions) nor at the provider-set fields (see Build).
func CheckDraft(d Draft, maxBytes int64) error {
	if err := checkRecipients(d.To, d.Cc, d.Bcc); err != nil {
		return err
	}
	if err := checkSubject(d.Subject); err != nil {
		return err
	}
	if !utf8.ValidString(d.Text) {
		return problem.Field("text", "syntax", "the text is not valid UTF-8")
	}
	size := int64(len(d.Text))
	for i, a := range d.Attachments {
		if err := checkAttachment(i, a); err != nil {
			return err
		}
		size += int64(len(a.Data))
	}
	if maxBytes > 0 && size > maxBytes {
		mib := strconv.FormatFloat(float64(maxBytes)/(1<<20), 'f', -1, 64)
		return problem.New(problem.TooLarge, "attachments", "too_large",
			"the letter is larger than the limit of %s MiB", mib)
	}
	return nil
}

// checkRecipients: at least one To; at most MaxRecipients; each an address; no
// address twice across To, Cc and Bcc (TR PVD-FU §3.1.1).
func checkRecipients(to, cc, bcc []string) error {
	if len(to) == 0 {
		return problem.Field("to", "required", "a letter needs at least one recipient in To")
	}
	if n := len(to) + len(cc) + len(bcc); n > MaxRecipients {
		return problem.Field("to", "too_many_recipients",
			"a letter has %d recipients; at most %d are allowed", n, MaxRecipients)
	}
	seen := make(map[string]struct{}, len(to)+len(cc)+len(bcc))
	lists := [...]struct {
		name  string
		addrs []string
	}{{"to", to}, {"cc", cc}, {"bcc", bcc}}
	for _, l := range lists {
		for i, a := range l.addrs {
			field := l.name + "[" + strconv.Itoa(i) + "]"
			if !validAddress(a) {
				return problem.Field(field, "syntax", "%q is not an address", a)
			}
			k := strings.ToLower(a)
			if _, dup := seen[k]; dup {
				return problem.Field(field, "duplicate_recipient",
					"%s is named more than once among the recipients", a)
			}
			seen[k] = struct{}{}
		}
	}
	return nil
}

func checkSubject(s string) error {
	if len(s) > MaxSubject {
		return problem.Field("subject", "too_long",
			"the subject has %d bytes; at most %d are allowed", len(s), MaxSubject)
	}
	if !utf8.ValidString(s) {
		return problem.Field("subject", "syntax", "the subject is not valid UTF-8")
	}
	if hasControl(s) {
		return problem.Field("subject", "syntax",
			"the subject must not contain line breaks or control characters")
	}
	return nil
}

func checkAttachment(i int, a Attachment) error {
	field := "attachments[" + strconv.Itoa(i) + "]"
	switch {
	case a.Filename == "":
		return problem.Field(field+".filename", "required", "an attachment needs a file name")
	case len(a.Filename) > MaxFilename:
		return problem.Field(field+".filename", "too_long",
			"the file name has %d bytes; at most %d are allowed", len(a.Filename), MaxFilename)
	case !utf8.ValidString(a.Filename) || hasControl(a.Filename) ||
		strings.ContainsAny(a.Filename, `/\`) || a.Filename == "." || a.Filename == "..":
		return problem.Field(field+".filename", "syntax",
			"the file name must be valid UTF-8 without path separators or control characters")
	case len(a.ContentType) > MaxContentType:
		return problem.Field(field+".content_type", "too_long",
			"the content type has %d bytes; at most %d are allowed", len(a.ContentType), MaxContentType)
	}
	if a.ContentType != "" {
		mt, _, err := mime.ParseMediaType(a.ContentType)
		if err != nil || !strings.Contains(mt, "/") || attachmentType(a) == "" {
			return problem.Field(field+".content_type", "syntax", "%q is not a media type", a.ContentType)
		}
		// A multipart type would make the data read back as MIME structure.
		if strings.HasPrefix(mt, "multipart/") {
			return problem.Field(field+".content_type", "syntax", "an attachment cannot be multipart")
		}
	}
	if formatParam("attachment", "filename", a.Filename) == "" {
		return problem.Field(field+".filename", "syntax", "the file name cannot be encoded")
	}
	return nil
}

// validAddress is a deliberately small check that keeps an address safe inside
// headers and X-de-mail-chosen-recipient: a dot-atom local part (RFC 5322 §3.4.1)
// of at most 64 bytes, "@", and an ASCII host name of letter-digit-hyphen labels.
// The address package holds the full rules of SPEC "Addresses".
func validAddress(a string) bool {
	at := strings.IndexByte(a, '@')
	if at <= 0 || at > maxLocalPart || len(a) > maxAddress {
		return false
	}
	return DotAtom(a[:at]) && hostname(a[at+1:])
}

// DotAtom reports whether s is RFC 5322 §3.2.3 dot-atom-text: what a
// message id's parts may be.
func DotAtom(s string) bool {
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

// MsgID reports whether s is a msg-id as a letter's threading fields carry
// it, without the angle brackets: dot-atom text, "@", dot-atom text
// (RFC 5322 §3.6.4 id-left "@" id-right, without the obsolete and literal
// forms), at most 250 bytes.
func MsgID(s string) bool {
	at := strings.LastIndexByte(s, '@')
	return at > 0 && len(s) <= maxMsgID && DotAtom(s[:at]) && DotAtom(s[at+1:])
}

// ThreadReferences is the References of a reply to a letter whose own
// References were refs and whose msg-id is id (RFC 5322 §3.6.4): refs then
// id, leaving out what is not a MsgID or is named twice; of a thread longer
// than MaxReferences the first (its start) and the latest are kept.
func ThreadReferences(refs []string, id string) []string {
	var out []string
	seen := map[string]bool{}
	for _, r := range append(slices.Clone(refs), id) {
		if MsgID(r) && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	if len(out) > MaxReferences {
		out = append(out[:1], out[len(out)-MaxReferences+1:]...)
	}
	return out
}

// isAtext reports whether c is RFC 5322 atext.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// hostname reports whether s is a domain of LDH labels (RFC 1123 §2.1).
func hostname(s string) bool {
	if s == "" || len(s) > maxAddress {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}
