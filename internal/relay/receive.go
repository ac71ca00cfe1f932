package relay

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/pki"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

var _ federation.Deliverer = (*Service)(nil)

// CheckRecipient refuses, at RCPT TO, an address that is no mailbox here
// that could receive: the sending provider then issues the failure
// evidence to its sender (SPEC: unknown, blocked, closed → a notification
// with the TR notification type).
func (s *Service) CheckRecipient(ctx context.Context, peer pki.Provider, rcpt string) error {
	var st *store.AccountState
	err := s.Store.Peek(ctx, func(tx store.Tx) error {
		var err error
		st, err = tx.AccountState("", strings.ToLower(rcpt))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return refusal(problem.New(problem.NotFound, "", "unknown_recipient", "%s is not a registered-mail address here", rcpt))
	}
	if err != nil {
		return err
	}
	switch st.Status {
	case account.Verified, account.Active, account.Closed:
	default:
		return refusal(problem.New(problem.NotFound, "", "unknown_recipient", "%s is not a registered-mail address here", rcpt))
	}
	if st.Status == account.Closed {
		// TR PVD-FU §3.1.3.3: a forwarding order sends the sending
		// provider on to its address (redirect.go).
		if err := s.Mail.Moved(ctx, st.ID, strings.ToLower(rcpt)); err != nil {
			return refusal(err)
		}
	}
	if err := account.CanReceive(st.Status, st.Block); err != nil {
		return refusal(err)
	}
	return nil
}

// Deliver takes a message peer handed over: a letter for mailboxes here,
// or a confirmation of a letter sent from here.
func (s *Service) Deliver(ctx context.Context, peer pki.Provider, from string, rcpts []string, msg []byte) error {
	inner, err := open(msg, s.Cert, s.Key)
	if err != nil {
		return &federation.RejectError{Code: 554, Enhanced: "5.7.5", Text: "cannot decrypt the message: " + err.Error()}
	}
	p, err := letter.Parse(inner)
	if err != nil {
		return &federation.RejectError{Code: 554, Enhanced: "5.6.0", Text: err.Error()}
	}
	if !strings.EqualFold(p.From, from) || domainOf(p.From) != peer.Domain {
		return &federation.RejectError{Code: 550, Enhanced: "5.7.1",
			Text: fmt.Sprintf("From %s is not the envelope sender %s at %s", p.From, from, peer.Domain)}
	}
	switch p.Type {
	case letter.TypeNormal:
		return s.receiveLetter(ctx, peer, p, inner, rcpts)
	case evidence.TypeReceiptConfirmation, evidence.TypeRetrieveConfirmation:
		return s.receiveConfirmation(ctx, peer, p, inner, rcpts)
	}
	return &federation.RejectError{Code: 554, Enhanced: "5.6.0",
		Text: fmt.Sprintf("%s %q is not exchanged between providers", letter.HdrMessageType, p.Type)}
}

// receiveLetter checks a letter's integrity value, and the seal of a
// sender-confirmed one, and stores it for each recipient.
func (s *Service) receiveLetter(ctx context.Context, peer pki.Provider, p *letter.Parsed, inner []byte, rcpts []string) error {
	res, err := letter.CheckIntegrity(inner)
	if err != nil {
		return &federation.RejectError{Code: 554, Enhanced: "5.7.7", Text: err.Error()}
	}
	if res.Signed && (peer.Seal == nil || !res.Certificate.Equal(peer.Seal)) {
		return &federation.RejectError{Code: 554, Enhanced: "5.7.7", Text: fmt.Sprintf(
			"the letter is sealed with a certificate that is not %s's seal on the trust list", peer.Domain)}
	}
	i := bytes.Index(inner, []byte("\r\n\r\n"))
	if i < 0 {
		return &federation.RejectError{Code: 554, Enhanced: "5.6.0", Text: "no blank line after the header (CRLF)"}
	}
	in := &mailbox.Inbound{Header: inner[:i+4], Body: inner[i+4:], Letter: p, BodyHash: sha256.Sum256(inner[i+4:])}
	if in.BodyHash != res.BodyHash {
		// c=simple/simple: the body hash is over the body as it is, so
		// the two agree unless the body ends in empty lines.
		in.BodyHash = sha256.Sum256(in.Body)
	}
	for _, r := range rcpts {
		in.Recipient = strings.ToLower(r)
		err := s.Mail.Receive(ctx, in)
		switch {
		case errors.Is(err, mailbox.ErrDuplicate):
			s.Log.Info("relay: letter received before; answered again", "message", p.MessageID, "peer", peer.Domain)
		case err != nil:
			return refusal(err)
		}
	}
	return nil
}

// refusal turns a refusal of the mailbox into the SMTP reply that tells
// the sending provider which TR notification type it is (RFC 3463): an
// error that is no refusal stays temporary.
func refusal(err error) error {
	pr := problem.As(err)
	if pr == nil {
		return err
	}
	r := &federation.RejectError{Code: 550, Text: pr.Message}
	switch pr.Code {
	case "unknown_recipient":
		r.Enhanced = "5.1.1"
	case "closed_account":
		r.Enhanced = "5.1.6" // mailbox has moved, no forwarding address
	case "moved":
		// RFC 5321 §3.4: "551 User not local; please try
		// <forward-path>"; the text carries the forwarding order's
		// address (TR PVD-FU §3.1.3.3).
		r.Code, r.Enhanced = 551, "5.1.6"
	case "blocked_recipient":
		r.Enhanced = "5.2.1" // mailbox disabled
	case "conflict":
		r.Code, r.Enhanced = 554, "5.6.0"
	case "recipient_level":
		r.Enhanced = "5.7.1" // delivery not authorised: the personal rule
	case "malware":
		// TR PVD-FU §3.1.3.1: the receiving provider's scan found
		// malware; 5.7.0 (other security status) is how the sending
		// provider tells it from the other refusals (send.go reasonOf).
		r.Code, r.Enhanced = 554, "5.7.0"
	case "scan_limits", "scan_too_large":
		r.Code, r.Enhanced = 552, "5.3.4" // too big for the scanner: never passed unscanned
	default:
		if pr.Kind == problem.Unavailable {
			return err
		}
		r.Enhanced = "5.7.1"
	}
	return r
}
