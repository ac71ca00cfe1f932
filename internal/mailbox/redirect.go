package mailbox

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// The forwarding order of a closed account (TR PVD-FU §3.1.3.3): made with
// the closure (registration.Service.Close), it sends every letter
// addressed to the account to the order's address until it ends
// (registration.OrderPeriod). No copy
// is kept for the closed account, and the receipt, pickup and deemed
// service are those of the mailbox the letter reaches, which confirms them
// (and whose address the evidence and the sender's events name): the
// letter is delivered exactly as if it had been addressed there. Without
// an order, or after it ends, the closed account refuses mail as before
// (DMG §10(6)).
//
// A letter from another provider is not carried on from here: a provider
// vouches only for the senders it verified (the receiving provider checks
// that From is at the domain of the provider handing over; package
// relay), so passing another provider's letter to a third would make it
// refuse it. The sender's provider is answered instead as RFC 5321 §3.4
// provides, "551 User not local; please try <address>", and hands the
// letter to the order's address itself (relay.HandleRelay, Redirect
// below); the mailbox there confirms its receipt as above.

// maxRedirects bounds a chain of forwarding orders (a closed account's
// order naming an account closed since with an order of its own).
const maxRedirects = 3

// final is the address the letter goes to: the forwarding order's, when
// the recipient's account is closed with one.
func (r *recipient) final() string {
	if r.dest != "" {
		return r.dest
	}
	return r.addr
}

// redirect follows the forwarding order of acc, the closed account of
// recipient r, and resolves r to its address: an account here (r.acc) or
// an accredited provider (r.remote), refused as the address itself would
// be. It reports false when acc is no closed account with an order in
// force, and r then is refused as before. For a letter from another
// provider (r.inbound) it is a "moved" refusal naming the address.
func (s *Service) redirect(tx store.Tx, o letter.Options, r *recipient, acc *store.AccountState) (bool, error) {
	now := s.Clock.Now()
	for hop := 0; acc.Status == account.Closed; hop++ {
		ord, err := tx.ForwardingOrder(acc.ID)
		switch {
		case errors.Is(err, store.ErrNotFound) || (err == nil && !now.Before(ord.Until)):
			if hop == 0 {
				return false, nil
			}
			return true, refuse(r, acc, problem.Field(r.field, "closed_account",
				"%s is closed; its forwarding order names %s, which is closed too", r.addr, r.dest))
		case err != nil:
			return true, err
		case hop >= maxRedirects || ord.Target == r.addr:
			return true, refuse(r, acc, problem.Field(r.field, "closed_account",
				"%s is closed, and its forwarding orders go round", r.addr))
		case r.inbound:
			return true, refuse(r, acc, moved(r.field, r.addr, ord.Target))
		}
		r.dest = ord.Target
		a, err := address.Parse(ord.Target)
		if err != nil {
			return true, fmt.Errorf("forwarding order of account %s: %w", acc.ID, err)
		}
		if a.Domain != s.Domain {
			return true, s.remote(r, a.Domain)
		}
		next, err := tx.AccountState("", r.dest)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !receivable(next.Status)) {
			return true, refuse(r, nil, problem.Field(r.field, "unknown_recipient",
				"%s is closed; its forwarding order names %s, which is not a registered-mail address here", r.addr, r.dest))
		}
		if err != nil {
			return true, err
		}
		acc = next
	}
	if err := account.CanReceive(acc.Status, acc.Block); err != nil {
		return true, refuse(r, acc, problem.WithField(err, r.field))
	}
	if err := letter.CheckRecipient(o, letter.RecipientInfo{Address: r.dest,
		CanLoginHigh: acc.SecondFactor() && acc.Block != account.HighBlock}); err != nil {
		return true, refuse(r, acc, problem.WithField(err, r.field))
	}
	r.acc = acc
	return true, nil
}

// moved is the refusal that tells another provider to send the letter to
// target itself: package relay answers it with 551 (RFC 5321 §3.4), whose
// text carries the forward-path in angle brackets.
func moved(field, addr, target string) error {
	return problem.New(problem.Forbidden, field, "moved",
		"User not local; please try <%s>: the account of %s is closed with a forwarding order (TR PVD-FU §3.1.3.3)", target, addr)
}

// Moved is CheckRecipient's question for a closed account: the "moved"
// refusal naming its forwarding order's address while the order is in
// force, else nil.
func (s *Service) Moved(ctx context.Context, accountID, addr string) error {
	var ord *store.ForwardingOrder
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		ord, err = tx.ForwardingOrder(accountID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return nil
	case err != nil:
		return err
	case !s.Clock.Now().Before(ord.Until):
		return nil
	}
	return moved("rcpt", addr, ord.Target)
}

// Redirect is the sending side of a 551: the provider of old's recipient
// named target instead (the recipient's account is closed with a
// forwarding order). In tx it gives the letter l a copy for target, as
// the accept would have: in an inbox here, with its stored event and the
// jobs its options ask for, or held for the handover to target's
// provider. The old copy stays as it is, with the caller's event. A
// target that cannot take the letter is refused as a recipient is.
func (s *Service) Redirect(tx store.Tx, l *store.Letter, old *store.Copy, target string, now time.Time) error {
	a, err := address.Parse(target)
	if err != nil {
		return problem.WithField(err, "rcpt")
	}
	o := letter.Options{Personal: l.Personal, PickupConfirmation: l.PickupConfirmation}.Normalize()
	rs := []recipient{{addr: a.String(), role: old.Role, field: "rcpt"}}
	if err := s.resolve(tx, o, rs); err != nil {
		return err
	}
	if r := rs[0]; r.remote {
		c := &store.Copy{ID: store.NewID(now), LetterID: l.ID, Folder: store.Relay, Remote: r.final(),
			Role: old.Role, Header: old.Header, Arrived: now}
		if err := tx.InsertCopy(c); err != nil {
			return err
		}
		return tx.Enqueue(RelayJob(c))
	}
	return s.store(tx, l, rs[0], old.Header, now)
}

// CheckOrderTarget checks the address of closing's forwarding order, in
// the closure's transaction, and returns it canonical: a registered-mail
// address as an automatic forwarding's (forwarding.go), and not one whose
// automatic forwarding leads back to closing, which the order would send
// straight back. field names it in refusals.
func (s *Service) CheckOrderTarget(tx store.Tx, closing *store.Account, raw, field string) (string, error) {
	addr, err := s.checkTarget(tx, closing, raw, field)
	if err != nil {
		return "", err
	}
	return addr, s.checkChain(tx, closing.Address, addr, field)
}
