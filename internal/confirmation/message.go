package confirmation

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"time"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// mailing is where a confirmation message goes.
type mailing struct {
	kind      evidence.Event
	msgID     string
	personal  bool   // the confirmed letter is personal
	privateID string // the sender's file number
	sender    string // the sender's account: the message goes to its confirmations
	// senderRemote is the sender's address at another provider, to which
	// the message is handed over instead (package relay).
	senderRemote string
	to, cc       string // the addresses in To and Cc
	ccID         string // the recipient's account, when it gets a copy
}

// message makes the composed confirmation raw a letter of the provider's,
// with its copies in the confirmations folders.
func (s *Service) message(ctx context.Context, raw []byte, m mailing, now time.Time) (*store.Letter, []*store.Copy, error) {
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return nil, nil, errors.New("confirmation message without a header block")
	}
	header, body := raw[:i+4], raw[i+4:]
	// The header is enough for the listing; parsing the whole message
	// (XML and PDF) again cost a fifth of issuing it.
	h, err := mail.ReadMessage(bytes.NewReader(header))
	if err != nil {
		return nil, nil, fmt.Errorf("confirmation message: %w", err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Header.Get("Subject"))
	if err != nil {
		return nil, nil, fmt.Errorf("confirmation message: Subject: %w", err)
	}
	hash := sha256.Sum256(body)
	rcpts, _ := json.Marshal(map[string][]string{"to": {m.to}, "cc": {m.cc}})
	from := m.kind.ConfirmationMailbox() + "@" + s.Domain
	// A personal letter's confirmations name its subject and file number:
	// they are personal too, read only at high (DMG §5(4)).
	l := &store.Letter{ID: store.NewID(now), MessageID: m.msgID, SenderID: "", SenderAddress: from,
		Subject: subject, PrivateID: m.privateID, Recipients: rcpts, Personal: m.personal,
		Attachments: 3, // evidence.xml, evidence.pdf and evidence.p7m (ComposeConfirmation)
		BodyHash:    hash[:], SubmittedAt: now}
	if err := s.Mail.StoreBody(ctx, l, body); err != nil {
		return nil, nil, err
	}
	copies := []*store.Copy{{ID: store.NewID(now), LetterID: l.ID, AccountID: m.sender,
		Folder: store.Confirmations, Role: "to", Header: header, Arrived: now}}
	if m.senderRemote != "" {
		copies[0].Folder, copies[0].Remote = store.Relay, m.senderRemote
	}
	if m.ccID != "" {
		copies = append(copies, &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: m.ccID,
			Folder: store.Confirmations, Role: "cc", Header: header, Arrived: now})
	}
	return l, copies, nil
}

// storeEffect is the effect of a confirmation job: the evidence, and the
// message with its copies, unless an earlier attempt stored them.
func (s *Service) storeEffect(rec *store.Evidence, conf *store.Letter, copies []*store.Copy) func(store.Tx) error {
	return func(tx store.Tx) error {
		err := tx.InsertEvidence(rec)
		if errors.Is(err, store.ErrConflict) {
			return nil // an earlier attempt stored it: one evidence per event
		}
		if err != nil {
			return err
		}
		s.Log.Info("evidence issued", "letter", rec.LetterID, "event", rec.Event, "evidence", rec.ID)
		if conf == nil {
			return nil
		}
		if err := tx.InsertLetter(conf); err != nil {
			return err
		}
		if err := tx.InsertCopy(copies...); err != nil {
			return err
		}
		for _, c := range copies {
			if c.Remote != "" {
				if err := tx.Enqueue(mailbox.RelayJob(c)); err != nil {
					return err
				}
			}
		}
		return nil
	}
}
