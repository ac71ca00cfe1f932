package confirmation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// NoticeSender is the local part of the reserved address notices come from;
// the seal certificate names it (internal/pki).
const NoticeSender = "Benachrichtigung"

// TypeNotification is the X-de-mail-message-type of a notice (TR PVD-IO
// §3.1, SPEC "Message format").
const TypeNotification = "notification"

// HandleReminder is the queue handler of mailbox.JobPickupReminder: unless
// the recipient picked the letter up already, it puts a notice into their
// inbox saying when the letter will count as served (SPEC "Dispatch options":
// the recipient is told beforehand; VwZG §5a(4)).
func (s *Service) HandleReminder(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	var c *store.Copy
	var rcpt *store.Account
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if c, err = tx.CopyByID(j.Key); err != nil {
			return err
		}
		rcpt, err = tx.AccountByID(c.AccountID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil // the copy is gone: nobody to remind
	}
	if err != nil {
		return nil, err
	}
	if !c.PickedUp.IsZero() {
		return nil, nil
	}
	now := s.Clock.Now()
	due := mailbox.DeemedServedAt(c.Letter.SubmittedAt, s.Location).In(s.Location)
	when := due.Format("02.01.2006 15:04 MST")
	arrived := c.Arrived.In(s.Location).Format("02.01.2006 15:04 MST")
	// A letter of formal service is personal: below high its reader may
	// see only who sent it and when it arrived (DMG §5(4)), and so does
	// this notice, which is read at any level.
	subject := "Zustellung am " + due.Format("02.01.2006") + " / Deemed served on " + due.Format("2006-01-02")
	text := fmt.Sprintf(`In Ihrem Postfach liegt ein Brief zur förmlichen Zustellung, den Sie noch nicht abgeholt haben:
  Absender:  %[1]s
  Eingang:   %[2]s
Melden Sie sich mit zwei Faktoren (Anmeldeniveau hoch) an, um ihn abzuholen. Holen Sie ihn nicht ab,
gilt er am %[3]s als zugestellt (§ 5a Abs. 4 VwZG).

A letter of formal service awaits you and has not been picked up:
  Sender:   %[1]s
  Arrived:  %[2]s
Log in with two factors (login level high) to pick it up. If you do not, it counts as served
on %[3]s (VwZG §5a(4)).
`, c.Letter.SenderAddress, arrived, when)
	l, cp, err := s.notice(ctx, rcpt, subject, text, c.Letter, now)
	if err != nil {
		return nil, err
	}
	s.Log.Info("pickup reminder", "letter", c.LetterID, "copy", c.ID, "due", due)
	return func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(cp)
	}, nil
}

// notice makes a plain notice from the reserved address into rcpt's inbox,
// about letter about.
func (s *Service) notice(ctx context.Context, rcpt *store.Account, subject, text string, about *store.Letter, now time.Time) (*store.Letter, *store.Copy, error) {
	return s.noticeFrom(ctx, NoticeSender, TypeNotification, rcpt, subject, text,
		about.MessageID+"@"+domainOf(about.SenderAddress), now)
}

// noticeFrom makes a plain notice of message type msgType from the
// reserved local part sender into rcpt's inbox, in reply to the message
// id inReplyTo ("" for a notice about no letter).
func (s *Service) noticeFrom(ctx context.Context, sender, msgType string, rcpt *store.Account, subject, text, inReplyTo string, now time.Time) (*store.Letter, *store.Copy, error) {
	id := store.NewID(now)
	from := sender + "@" + s.Domain
	var h bytes.Buffer
	field := func(name, value string) { fmt.Fprintf(&h, "%s: %s\r\n", name, value) }
	field("Date", now.Format(time.RFC1123Z))
	field("From", mime.QEncoding.Encode("utf-8", s.Name)+" <"+from+">")
	field("To", rcpt.Address)
	field("Subject", mime.QEncoding.Encode("utf-8", subject))
	field("Message-ID", "<"+id+"@"+s.Domain+">")
	if inReplyTo != "" {
		field("In-Reply-To", "<"+inReplyTo+">")
	}
	field("MIME-Version", "1.0")
	field(letter.HdrVersion, letter.Version)
	field(letter.HdrMessageType, msgType)
	field(letter.HdrMessageID, id)
	field("Content-Type", "text/plain; charset=utf-8")
	field("Content-Transfer-Encoding", "quoted-printable")
	h.WriteString("\r\n")
	var body bytes.Buffer
	qp := quotedprintable.NewWriter(&body)
	qp.Write([]byte(strings.ReplaceAll(text, "\n", "\r\n")))
	qp.Close()
	raw := append(bytes.Clone(h.Bytes()), body.Bytes()...)
	parsed, err := letter.Parse(raw)
	if err != nil {
		return nil, nil, fmt.Errorf("notice: %w", err)
	}
	hash := sha256.Sum256(body.Bytes())
	rcpts, _ := json.Marshal(map[string][]string{"to": {rcpt.Address}})
	l := &store.Letter{ID: store.NewID(now), MessageID: id, SenderAddress: from, Subject: parsed.Subject,
		Recipients: rcpts, BodyHash: hash[:], SubmittedAt: now}
	if err := s.Mail.StoreBody(ctx, l, body.Bytes()); err != nil {
		return nil, nil, err
	}
	return l, &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: rcpt.ID, Folder: store.Inbox,
		Role: "to", Header: h.Bytes(), Arrived: now}, nil
}

func domainOf(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}
