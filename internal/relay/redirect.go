package relay

import (
	"errors"
	"strings"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/federation"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// A recipient at another provider whose account is closed with a
// forwarding order (TR PVD-FU §3.1.3.3) is answered "551 User not local;
// please try <address>" (RFC 5321 §3.4; mailbox/redirect.go says why the
// receiving provider does not carry the letter on itself). The sending
// provider, here, then sends the letter to that address in a copy of its
// own, as if the sender had addressed it there: the mailbox it reaches
// confirms its receipt, and its evidence names that address.

// maxRedirects bounds how often one letter is sent on, so that two
// providers whose orders name each other's closed accounts cannot keep a
// letter going round.
const maxRedirects = 3

// movedTo reads the forward-path of a 551 reply: the address in angle
// brackets after "please try".
func movedTo(r *federation.RejectError) (string, bool) {
	if r.Code != 551 {
		return "", false
	}
	_, rest, ok := strings.Cut(r.Text, "please try <")
	if !ok {
		return "", false
	}
	target, _, ok := strings.Cut(rest, ">")
	if !ok {
		return "", false
	}
	a, err := address.Parse(target)
	if err != nil {
		return "", false
	}
	return a.String(), true
}

// redirected records, with the job's completion, that the copy's
// recipient moved to target: a redirected event on the copy (which ends
// its handover; the sender's events show it) and the letter's copy for
// target. When target cannot take the letter, or the letter was sent on
// maxRedirects times already, the handover fails as a refusal does, with
// the ContentConsignmentFailure evidence that tells the sender why.
func (s *Service) redirected(o *outbound, target string, rej *federation.RejectError) func(store.Tx) error {
	now := s.Clock.Now()
	fail := func(tx store.Tx, reason, details string) error {
		return s.outcome(o, store.EventRelayFailed, evidence.ContentConsignmentFailure, reason, details)(tx)
	}
	return func(tx store.Tx) error {
		events, err := tx.Events(o.letter.ID)
		if err != nil {
			return err
		}
		n := 0
		for _, e := range events {
			if e.Kind == store.EventRedirected {
				n++
			}
		}
		if n >= maxRedirects {
			return fail(tx, evidence.ReasonClosedAccount, rej.Error()+"; the letter was sent on too often already")
		}
		err = s.Mail.Redirect(tx, o.letter, o.copy, target, now)
		var pr *problem.Error
		if errors.As(err, &pr) {
			code := evidence.ReasonOther
			if pr.Code == "unknown_recipient" || pr.Code == "unknown_domain" {
				code = evidence.ReasonUnknownRecipient
			} else if pr.Code == "closed_account" {
				code = evidence.ReasonClosedAccount
			}
			return fail(tx, code, rej.Error()+"; "+target+": "+pr.Message)
		}
		if err != nil {
			return err
		}
		return tx.InsertEvent(&store.Event{ID: store.NewID(now), LetterID: o.letter.ID, CopyID: o.copy.ID,
			Kind: store.EventRedirected, At: now})
	}
}
