package web

import (
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// composeFields are the form's fields, named as the service names the
// fields of its refusals, so that each refusal shows next to its field.
func composeFields() []string {
	return []string{"to", "cc", "bcc", "subject", "text", "attachments", "personal", "sender_confirmed",
		"dispatch_confirmation", "receipt_confirmation", "pickup_confirmation", "private_id", "reply_to", "forward"}
}

type composeData struct {
	Options []composeOption
	MaxMiB  string
	// FilesLost: the letter was refused and had attachments, which a
	// browser cannot put back into a file field.
	FilesLost bool
	// DraftKey is where compose.js keeps the draft in this browser: one
	// per account, so that a shared browser does not mix letters.
	DraftKey string
	// Contacts are the holder's address book, offered for the recipient
	// fields (compose_contacts.go; TR PVD-FU §3.1.3.5).
	Contacts []store.Contact
}

// compose is the page to write a letter: recipients, subject, text,
// attachments and the dispatch options (DMG §5; TR PVD-FU §3.3), each
// with what it means and, when it is not open to this sender now, why.
// Sending goes through mailbox.Submit, the API's way: the same rules,
// the same refusals, each shown next to its field with what was entered
// kept.
func (s *Server) compose(w http.ResponseWriter, r *http.Request) {
	p := s.page(r, "compose.title")
	d := &composeData{MaxMiB: mib(s.maxMessage()), DraftKey: "siegel-draft:" + p.User.Account.Address}
	p.Data = d
	d.Contacts = s.composeContacts(r, p)
	s.showQuota(r, p) // a full mailbox cannot send: said before the letter is written
	if r.Method == http.MethodGet {
		p.Form = s.reply(r)
		if p.Form == nil {
			p.Form = s.forward(r)
		}
		d.Options = s.composeOptions(p)
		s.render(w, r, "compose", p, http.StatusOK)
		return
	}
	if r.MultipartForm != nil {
		// The form's files are spooled to disk past a size; they go
		// with this request.
		defer r.MultipartForm.RemoveAll()
	}
	f := r.PostForm
	addContactPicks(f)
	draft := mailbox.Draft{To: splitAddresses(f.Get("to")), Cc: splitAddresses(f.Get("cc")),
		Bcc: splitAddresses(f.Get("bcc")), Subject: strings.TrimSpace(f.Get("subject")),
		// Browsers send a text area's line breaks as CRLF; the letter
		// has LF until it is built.
		Text: strings.ReplaceAll(f.Get("text"), "\r\n", "\n"),
		Options: letter.Options{Personal: f.Get("personal") != "", SenderConfirmed: f.Get("sender_confirmed") != "",
			DispatchConfirmation: f.Get("dispatch_confirmation") != "", ReceiptConfirmation: f.Get("receipt_confirmation") != "",
			PickupConfirmation: f.Get("pickup_confirmation") != "", PrivateID: strings.TrimSpace(f.Get("private_id"))},
		// A reply threads to its letter; a forward carries it (TR PVD-FU
		// §3.1.3.6; mailbox/reply.go).
		ReplyTo: f.Get("reply_to"), Forward: f.Get("forward")}
	var files []*multipart.FileHeader
	if r.MultipartForm != nil {
		for _, fh := range r.MultipartForm.File["attachments"] {
			if fh.Filename != "" || fh.Size > 0 { // an empty file field sends an empty part
				files = append(files, fh)
			}
		}
	}
	var err error
	if draft.Attachments, err = s.readAttachments(files, int64(len(draft.Text))); err == nil {
		var acc *mailbox.Accepted
		if acc, err = s.Mail.Submit(r.Context(), p.User, draft); err == nil {
			http.Redirect(w, r, "/letter/"+acc.SentCopy.ID+"?done=sent", http.StatusSeeOther)
			return
		}
	}
	d.FilesLost = len(files) > 0
	d.Options = s.composeOptions(p)
	s.render(w, r, "compose", p, s.explainSubmit(p, err, draft))
}

// maxMessage is the bound of a letter's text and attachments.
func (s *Server) maxMessage() int64 {
	if s.MaxMessageBytes > 0 {
		return s.MaxMessageBytes
	}
	return 20 << 20 // SPEC "Limits": at least 20 MiB per letter
}

// readAttachments reads the files chosen, refusing before it reads them
// when they would make the letter larger than its bound (SPEC "Limits").
func (s *Server) readAttachments(files []*multipart.FileHeader, text int64) ([]letter.Attachment, error) {
	total := text
	for _, fh := range files {
		total += fh.Size
	}
	if total > s.maxMessage() {
		return nil, problem.New(problem.TooLarge, "attachments", "too_large",
			"the letter is larger than the limit of %s MiB", mib(s.maxMessage()))
	}
	var out []letter.Attachment
	for _, fh := range files {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, letter.Attachment{Filename: fh.Filename, ContentType: mediaType(fh.Header.Get("Content-Type")),
			Data: data})
	}
	return out, nil
}

// mediaType is the type a browser gave a file, when it is one a letter
// can carry; else "" (application/octet-stream). A browser guesses it
// from the file's name, and its guess should not refuse a letter.
func mediaType(ct string) string {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || !strings.Contains(mt, "/") || strings.HasPrefix(mt, "multipart/") {
		return ""
	}
	if v := mime.FormatMediaType(mt, params); v != "" && len(v) <= letter.MaxContentType {
		return v
	}
	return ""
}

// explainSubmit shows a refused letter's problem next to its field, in
// the page's words, naming the address or file it is about.
func (s *Server) explainSubmit(p *Page, err error, d mailbox.Draft) int {
	pr := problem.As(err)
	if pr == nil {
		return s.problemOf(p, err, composeFields()...)
	}
	base, arg := pr.Field, ""
	if m := recipientField.FindStringSubmatch(pr.Field); m != nil {
		base = "rcpt"
		list := map[string][]string{"to": d.To, "cc": d.Cc, "bcc": d.Bcc}[m[1]]
		if i, _ := strconv.Atoi(m[2]); i < len(list) {
			arg = list[i]
		}
	} else if i, ok := attachmentIndex(pr.Field); ok {
		base = "attachments"
		if i < len(d.Attachments) {
			arg = d.Attachments[i].Filename
		}
	}
	switch pr.Code {
	case "too_large":
		arg = mib(s.maxMessage())
	case "daily_limit":
		// About the day's sending, not about the field it names.
		c := *pr
		c.Field = ""
		err = &c
	}
	return s.explain(p, err, []string{"compose.err." + base + "." + pr.Code, "compose.err." + pr.Code}, []any{arg},
		composeFields()...)
}

// attachmentIndex reads "attachments[2].filename".
func attachmentIndex(field string) (int, bool) {
	rest, ok := strings.CutPrefix(field, "attachments[")
	if !ok {
		return 0, false
	}
	n, _, ok := strings.Cut(rest, "]")
	i, err := strconv.Atoi(n)
	return i, ok && err == nil
}

// splitAddresses reads a recipient field: addresses separated by commas,
// semicolons or line breaks. Each is checked by the service.
func splitAddresses(v string) []string {
	var out []string
	for _, a := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' || r == '\r' }) {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// reply fills the form of a reply (?reply=copy id): to the sender, the
// subject with its prefix, the file number carried on so that the
// sender's case system files the answer, and the letter's id, so that the
// reply is threaded to it (In-Reply-To, References). A letter the reader may not see
// (Hidden), or one from a provider's system address, gives nothing.
func (s *Server) reply(r *http.Request) url.Values {
	id := r.URL.Query().Get("reply")
	if id == "" {
		return nil
	}
	u := userOf(r)
	c, err := s.Mail.Lookup(r.Context(), u, id)
	if err != nil || mailbox.Hidden(c, u.Level()) || c.Role == "sender" {
		return nil
	}
	if ident, err := s.Mail.SenderOf(r.Context(), c.Letter); err != nil || ident.System {
		return nil
	}
	subject := c.Letter.Subject
	prefix := s.cat.t(langOf(r), "compose.reply_prefix")
	if !strings.HasPrefix(subject, prefix) {
		subject = prefix + subject
	}
	return url.Values{"to": {c.Letter.SenderAddress}, "subject": {subject}, "private_id": {c.Letter.PrivateID},
		"reply_to": {c.ID}}
}
