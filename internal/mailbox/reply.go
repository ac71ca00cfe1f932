package mailbox

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Prefixes of a reply's and a forward's default subject (RFC 5322 §3.6.5).
const (
	replyPrefix   = "Re: "
	forwardPrefix = "Fwd: "
)

// thread is what a reply or a forward adds to the letter built: the thread's
// msg-ids (RFC 5322 §3.6.4).
type thread struct {
	inReplyTo  string
	references []string
}

// prepare fills a reply's or a forward's draft from the letter it answers or
// passes on (TR PVD-FU §3.1.3.6), which must be p's and readable at p's level:
// a personal letter only at high (DMG §5(4)), for a reply as for a forward.
//
// A reply (d.ReplyTo) threads to the original: In-Reply-To names its
// Message-ID, References the thread. Where the draft leaves them empty it goes
// to the original's sender (or, answering one's own letter, to its To
// recipients again), has the subject "Re: " and the original's, and carries
// the file number (X-de-mail-private-id) on, so that the sender's case system
// files the answer. A provider's own messages (confirmations, notices) take no
// reply.
//
// A forward (d.Forward) goes to whom the draft names. Its text is the draft's
// followed by the original's, quoted with its sender, date, recipients and
// subject; it carries the original's attachments after the draft's, and the
// thread in References. The original message itself is not attached: its
// header shows the copy's holder's view (for a sender or a bcc recipient, bcc
// addresses), its proof is the evidence, exported on its own, and it would
// double the size.
func (s *Service) prepare(ctx context.Context, p *auth.Principal, d *Draft) (thread, error) {
	switch {
	case d.ReplyTo != "" && d.Forward != "":
		return thread{}, problem.Field("forward", "reply_and_forward", "a letter answers one or passes one on, not both")
	case d.ReplyTo != "":
		return s.prepareReply(ctx, p, d)
	case d.Forward != "":
		return s.prepareForward(ctx, p, d)
	}
	return thread{}, nil
}

func (s *Service) prepareReply(ctx context.Context, p *auth.Principal, d *Draft) (thread, error) {
	c, m, err := s.original(ctx, p, d.ReplyTo, "reply_to")
	if err != nil {
		return thread{}, err
	}
	if m.Type != letter.TypeNormal {
		return thread{}, problem.Field("reply_to", "not_a_letter",
			"%s is a message of the provider (%s), which takes no reply", d.ReplyTo, m.Type)
	}
	if len(d.To)+len(d.Cc)+len(d.Bcc) == 0 {
		if c.Role == "sender" {
			d.To = append(d.To, m.To...)
		} else {
			d.To = []string{m.From}
		}
	}
	if d.Subject == "" {
		d.Subject = prefixed(replyPrefix, m.Subject, "re:", "aw:")
	}
	if d.Options.PrivateID == "" {
		d.Options.PrivateID = m.Options.PrivateID
	}
	t := thread{references: letter.ThreadReferences(m.References, m.MsgID)}
	if letter.MsgID(m.MsgID) {
		t.inReplyTo = m.MsgID
	}
	return t, nil
}

func (s *Service) prepareForward(ctx context.Context, p *auth.Principal, d *Draft) (thread, error) {
	_, m, err := s.original(ctx, p, d.Forward, "forward")
	if err != nil {
		return thread{}, err
	}
	if d.Subject == "" {
		d.Subject = prefixed(forwardPrefix, m.Subject, "fwd:", "wg:")
	}
	d.Text = forwardText(d.Text, m)
	for i, a := range m.Attachments {
		d.Attachments = append(d.Attachments, carried(a, i))
	}
	return thread{references: letter.ThreadReferences(m.References, m.MsgID)}, nil
}

// original loads and parses p's copy id for a reply or a forward, without
// recording a reading. field names the request field in refusals.
func (s *Service) original(ctx context.Context, p *auth.Principal, id, field string) (*store.Copy, *letter.Parsed, error) {
	var c *store.Copy
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		c, err = tx.CopyByID(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && c.AccountID != p.Account.ID) {
		return nil, nil, problem.New(problem.NotFound, field, "not_found", "no letter %s in this mailbox", id)
	}
	if err != nil {
		return nil, nil, err
	}
	if Hidden(c, p.Level()) {
		return nil, nil, problem.New(problem.Forbidden, field, "login_level",
			"%s is a personal letter: log in at high (step up with a second factor) to answer or forward it", id)
	}
	body, err := s.Body(ctx, c.Letter)
	if err != nil {
		return nil, nil, fmt.Errorf("letter %s: body %s: %w", c.LetterID, c.Letter.BodyBlob, err)
	}
	m, err := letter.Parse(append(append(make([]byte, 0, len(c.Header)+len(body)), c.Header...), body...))
	if err != nil {
		return nil, nil, fmt.Errorf("letter %s: parse stored message: %w", c.LetterID, err)
	}
	return c, m, nil
}

// prefixed puts prefix before subject unless it starts with one of the
// (lower-case) prefixes seen, so that a thread does not grow "Re: Re: ".
func prefixed(prefix, subject string, seen ...string) string {
	l := strings.ToLower(subject)
	for _, p := range seen {
		if strings.HasPrefix(l, p) {
			return subject
		}
	}
	s := prefix + subject
	for len(s) > letter.MaxSubject { // cut at a rune boundary
		_, n := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-n]
	}
	return s
}

// forwardText is a forward's text: the forwarder's own, then the original's
// header facts and its text, each line quoted with "> " (RFC 3676 §4.5).
func forwardText(own string, m *letter.Parsed) string {
	var b strings.Builder
	if own != "" {
		b.WriteString(strings.TrimRight(own, "\n"))
		b.WriteString("\n\n")
	}
	b.WriteString("-------- Forwarded letter --------\n")
	from := m.From
	if m.FromName != "" {
		from = m.FromName + " <" + m.From + ">"
	}
	fmt.Fprintf(&b, "From: %s\nDate: %s\n", from, m.Date.Format(time.RFC1123Z))
	if len(m.To) > 0 {
		fmt.Fprintf(&b, "To: %s\n", strings.Join(m.To, ", "))
	}
	if len(m.Cc) > 0 {
		fmt.Fprintf(&b, "Cc: %s\n", strings.Join(m.Cc, ", "))
	}
	fmt.Fprintf(&b, "Subject: %s\n", m.Subject)
	if m.Options.PrivateID != "" {
		fmt.Fprintf(&b, "File number: %s\n", m.Options.PrivateID)
	}
	if m.EndToEnd != "" {
		fmt.Fprintf(&b, "End-to-end protected: %s (the protected content is attached as it came)\n", m.EndToEnd)
	}
	b.WriteString("\n")
	for line := range strings.SplitSeq(strings.TrimRight(m.Text, "\n"), "\n") {
		if line == "" || strings.HasPrefix(line, ">") {
			b.WriteString(">" + line + "\n")
		} else {
			b.WriteString("> " + line + "\n")
		}
	}
	return b.String()
}

// carried is the original's i-th attachment as a forward carries it: with
// a name a letter may carry (another provider's letter may have none, or
// one with path separators), and its media type where a letter may carry
// that.
func carried(a letter.Attachment, i int) letter.Attachment {
	name := strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, strings.ToValidUTF8(a.Filename, "_"))
	if name == "" || name == "." || name == ".." {
		name = "attachment-" + strconv.Itoa(i+1)
		if ext, _ := mime.ExtensionsByType(a.ContentType); len(ext) > 0 {
			name += ext[0]
		}
	}
	for len(name) > letter.MaxFilename {
		_, n := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-n]
	}
	ct := a.ContentType
	if mt, _, err := mime.ParseMediaType(ct); err != nil || len(ct) > letter.MaxContentType || strings.HasPrefix(mt, "multipart/") {
		ct = ""
	}
	return letter.Attachment{Filename: name, ContentType: ct, Data: a.Data}
}
