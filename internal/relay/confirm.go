package relay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/store"
)

// errSeen ends a transaction that found its work done by an earlier
// delivery of the same message.
var errSeen = errors.New("relay: received before")

// eventKinds are the events another provider confirms about a letter sent
// from here, and the store's event each records (DMG §5(8), §5(9); VwZG
// §5a(4)).
var eventKinds = map[evidence.Event]string{
	evidence.ContentConsignment:     store.EventStored,
	evidence.ContentHandover:        store.EventPickedUp,
	evidence.ContentHandoverFailure: store.EventDeemedServed,
}

// receiveConfirmation checks a confirmation the recipient's provider
// issued and files it: its evidence file with the letter, as evidence of
// the recipient's copy held for the handover, and the message in the
// sender's confirmations. Evidence issued by a provider about its own
// events is the proof; this provider only checks that it is genuine,
// issued by that provider under its seal on the trust list, and about a
// letter sent from here to a recipient there.
func (s *Service) receiveConfirmation(ctx context.Context, peer pki.Provider, p *letter.Parsed, raw []byte, rcpts []string) error {
	roots := x509.NewCertPool()
	roots.AddCert(s.Root)
	vc, err := evidence.VerifyConfirmation(raw, roots, evidence.VerifyOptions{})
	if err != nil {
		return &federation.RejectError{Code: 554, Enhanced: "5.7.7", Text: "the confirmation does not verify: " + err.Error()}
	}
	ev := vc.Evidence
	kind, ok := eventKinds[ev.Event]
	switch {
	case !ok:
		return &federation.RejectError{Code: 554, Enhanced: "5.6.0",
			Text: fmt.Sprintf("%s is not an event another provider confirms to this one", ev.Event.Name())}
	case ev.Issuer.Domain != peer.Domain || peer.Seal == nil || !vc.Signer.Equal(peer.Seal):
		return &federation.RejectError{Code: 554, Enhanced: "5.7.7",
			Text: fmt.Sprintf("the confirmation is not sealed by %s's seal on the trust list", peer.Domain)}
	case domainOf(ev.Recipient.Address) != peer.Domain:
		return &federation.RejectError{Code: 554, Enhanced: "5.7.1",
			Text: fmt.Sprintf("%s confirms an event about %s, which is not its recipient", peer.Domain, ev.Recipient.Address)}
	case len(rcpts) != 1 || !strings.EqualFold(rcpts[0], ev.Sender.Address):
		return &federation.RejectError{Code: 550, Enhanced: "5.1.1",
			Text: fmt.Sprintf("a confirmation goes to the letter's sender %s alone", ev.Sender.Address)}
	}
	i := bytes.Index(raw, []byte("\r\n\r\n"))
	if i < 0 {
		return &federation.RejectError{Code: 554, Enhanced: "5.6.0", Text: "no blank line after the header (CRLF)"}
	}
	header, body := raw[:i+4], raw[i+4:]
	now := s.Clock.Now()
	hash := sha256.Sum256(body)
	to, _ := json.Marshal(map[string][]string{"to": {ev.Sender.Address}, "cc": {ev.Recipient.Address}})
	conf := &store.Letter{ID: store.NewID(now), MessageID: p.MessageID, SenderAddress: p.From, Subject: p.Subject,
		Recipients: to, Attachments: 3, BodyHash: hash[:], SubmittedAt: p.Date.UTC()}
	if err := s.Mail.StoreBody(ctx, conf, body); err != nil {
		return err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		return s.file(tx, ev, vc.File, kind, conf, header)
	})
	if errors.Is(err, errSeen) {
		s.Log.Info("relay: confirmation received before; answered again", "message", p.MessageID, "peer", peer.Domain)
		return nil
	}
	return err
}

// file stores the evidence and the confirmation message in one
// transaction.
func (s *Service) file(tx store.Tx, ev *evidence.Evidence, file []byte, kind string, conf *store.Letter, header []byte) error {
	orig, err := tx.LetterByMessageID(ev.MessageID)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !strings.EqualFold(orig.SenderAddress, ev.Sender.Address)) {
		return &federation.RejectError{Code: 550, Enhanced: "5.1.1",
			Text: fmt.Sprintf("%s sent no letter %s", ev.Sender.Address, ev.MessageID)}
	}
	if err != nil {
		return err
	}
	copies, err := tx.CopiesOfLetter(orig.ID)
	if err != nil {
		return err
	}
	var held *store.Copy
	for i := range copies {
		if strings.EqualFold(copies[i].Remote, ev.Recipient.Address) {
			held = &copies[i]
		}
	}
	if held == nil {
		return &federation.RejectError{Code: 550, Enhanced: "5.1.1",
			Text: fmt.Sprintf("letter %s was not sent to %s", ev.MessageID, ev.Recipient.Address)}
	}
	// The confirmation of a personal letter names its subject and file
	// number: it is read at high only, as the letter is (DMG §5(4)).
	conf.Personal, conf.PrivateID = orig.Personal, orig.PrivateID
	if err := tx.InsertLetter(conf); errors.Is(err, store.ErrConflict) {
		return errSeen
	} else if err != nil {
		return err
	}
	e := &store.Event{ID: store.NewID(ev.EventTime), LetterID: orig.ID, CopyID: held.ID, Kind: kind, At: ev.EventTime}
	rec := &store.Evidence{ID: ev.ID, LetterID: orig.ID, CopyID: held.ID, EventID: e.ID, Event: ev.Event.Name(),
		At: ev.EventTime, File: file, ConfirmationID: conf.ID, CreatedAt: s.Clock.Now()}
	if err := tx.InsertEvidence(rec); errors.Is(err, store.ErrConflict) {
		return errSeen
	} else if err != nil {
		return err
	}
	if err := tx.InsertEvent(e); err != nil {
		return err
	}
	s.Log.Info("relay: confirmation filed", "letter", orig.ID, "event", rec.Event, "evidence", rec.ID, "from", domainOf(conf.SenderAddress))
	return tx.InsertCopy(&store.Copy{ID: store.NewID(conf.SubmittedAt), LetterID: conf.ID, AccountID: orig.SenderID,
		Folder: store.Confirmations, Role: "to", Header: header, Arrived: s.Clock.Now()})
}
