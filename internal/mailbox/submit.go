package mailbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Draft is a letter as the sender composes it.
type Draft struct {
	To, Cc, Bcc []string
	Subject     string
	Text        string
	Attachments []letter.Attachment
	Options     letter.Options

	// ReplyTo is the id of a copy in the sender's mailbox that this letter
	// answers; Forward one that it passes on. See prepare (reply.go) for
	// what each fills in and carries. Empty for a new letter.
	ReplyTo, Forward string
}

// Accepted is the outcome of a submission.
type Accepted struct {
	Letter *store.Letter
	// SentCopy is the sender's copy in Sent.
	SentCopy *store.Copy
	// Copies are the recipients' copies, one per recipient.
	Copies []*store.Copy
}

// Recipients lists every recipient of the accepted letter: to, cc, then bcc,
// as the letter names them (a reply's may have been filled in; reply.go).
func (a *Accepted) Recipients() []string {
	var r struct{ To, Cc, Bcc []string }
	if err := json.Unmarshal(a.Letter.Recipients, &r); err != nil {
		return nil
	}
	return slices.Concat(r.To, r.Cc, r.Bcc)
}

type recipient struct {
	addr  string
	role  string
	field string
	acc   *store.AccountState // nil for a recipient at another provider
	// remote: the recipient is at another accredited provider, which
	// receives the letter from this one's relay queue (package relay).
	remote bool
	// dest is where a closed account's forwarding order sends the letter
	// instead of addr ("" for none; redirect.go), and inbound marks a
	// letter another provider hands over, whose sender's provider is told
	// to send it there itself.
	dest    string
	inbound bool
}

// Submit checks a letter against every rule, accepts it, and stores it in each
// recipient's mailbox.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, d Draft) (*Accepted, error) {
	sender := p.Account
	if err := account.CanSend(sender.Status, sender.Block); err != nil {
		return nil, err
	}
	// SPEC "Limits": a full mailbox may block sending (quota.go).
	if err := s.checkQuota(ctx, sender.ID); err != nil {
		return nil, err
	}
	th, err := s.prepare(ctx, p, &d)
	if err != nil {
		return nil, err
	}
	d.Options = d.Options.Normalize()
	if err := letter.CheckOptions(letter.Sender{Address: sender.Address, Kind: sender.Kind,
		FormalService: sender.FormalService, Pseudonym: sender.Pseudonym, Level: p.Level()}, d.Options); err != nil {
		return nil, err
	}
	rcpts, err := s.parseRecipients(&d)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	// 128 bits, 80 of them random: unique across providers without the domain.
	msgID := store.NewID(now)
	draft := letter.Draft{MessageID: msgID, From: sender.Address, FromName: fromName(sender),
		To: d.To, Cc: d.Cc, Bcc: d.Bcc, Subject: d.Subject, Text: d.Text, Attachments: d.Attachments,
		Options: d.Options, InReplyTo: th.inReplyTo, References: th.references,
		AuthLevel: p.Level(), Provider: s.Domain, Date: now, Seal: s.Seal}
	if d.Options.SenderConfirmed && s.Seal == nil {
		return nil, problem.Field("sender_confirmed", "unavailable",
			"this provider has no seal to confirm the sender with (its operator has not set up the authority's certificates)")
	}
	if err := letter.CheckDraft(draft, s.MaxMessageBytes); err != nil {
		return nil, err
	}
	msg, err := letter.Build(draft)
	if err != nil {
		return nil, err
	}
	hash := msg.BodyHash()
	facts := rejectionFacts{msgID: msgID, senderID: sender.ID, subject: d.Subject, privateID: d.Options.PrivateID,
		level: p.Level(), at: now, digest: hash}
	// TR PVD-FU §3.1.3.1: scanned before anything is stored.
	if v, err := s.scanSubmission(ctx, msg, &d); err != nil {
		if !v.Clean() {
			s.refuseScanned(ctx, facts, sender.Address, v, &d, err)
		}
		return nil, err
	}
	if len(msg.Body()) > s.InlineMax {
		// A large body is written as a file before the accept: refuse bad
		// recipients first rather than leave it behind. (The accept
		// transaction checks every recipient in any case.)
		if err := s.Store.View(ctx, func(tx store.Tx) error { return s.resolve(tx, d.Options, rcpts) }); err != nil {
			if d.Options.DispatchConfirmation {
				s.queueRejection(ctx, facts, err)
			}
			return nil, err
		}
	}
	l := &store.Letter{ID: store.NewID(now), MessageID: msgID, SenderID: sender.ID,
		SenderAddress: sender.Address, Subject: d.Subject, Personal: d.Options.Personal,
		SenderConfirmed: d.Options.SenderConfirmed, DispatchConfirmation: d.Options.DispatchConfirmation,
		ReceiptConfirmation: d.Options.ReceiptConfirmation, PickupConfirmation: d.Options.PickupConfirmation,
		PrivateID: d.Options.PrivateID, AuthLevel: p.Level(), Attachments: len(d.Attachments),
		BodyHash: hash[:], SubmittedAt: now}
	if err := s.StoreBody(ctx, l, msg.Body()); err != nil {
		return nil, err
	}
	l.Recipients, _ = json.Marshal(map[string][]string{"to": d.To, "cc": d.Cc, "bcc": d.Bcc})
	out := newCopies(msg, l, rcpts, now)
	day := account.Day(now, s.Location)
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		return s.accept(tx, p, d.Options, rcpts, out, day)
	})
	if err != nil {
		if d.Options.DispatchConfirmation {
			s.queueRejection(ctx, facts, err)
		}
		return nil, err
	}
	s.Log.Info("letter accepted", "letter", l.ID, "sender", sender.ID, "recipients", len(rcpts),
		"level", p.Level(), "bytes", l.BodySize)
	return out, nil
}

// newCopies makes the sender's copy and one per recipient. Their header blocks
// differ: bcc is shown only to the sender and to that bcc recipient (TR PVD-IO
// §3.1).
func newCopies(msg *letter.Message, l *store.Letter, rcpts []recipient, now time.Time) *Accepted {
	out := &Accepted{Letter: l}
	out.SentCopy = &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: l.SenderID, Folder: store.Sent,
		Role: "sender", Header: msg.Header(letter.ViewSender, ""), Arrived: now}
	for _, r := range rcpts {
		view, bcc := letter.ViewRecipient, ""
		if r.role == "bcc" {
			view, bcc = letter.ViewBcc, r.addr
		}
		out.Copies = append(out.Copies, &store.Copy{ID: store.NewID(now), LetterID: l.ID, Folder: store.Inbox,
			Role: r.role, Header: msg.Header(view, bcc), Arrived: now, AwaitsPickup: l.PickupConfirmation})
	}
	return out
}

// accept is the accept transaction. It runs on the store's committer.
func (s *Service) accept(tx store.Tx, p *auth.Principal, o letter.Options, rcpts []recipient, out *Accepted, day string) error {
	sender, err := tx.AccountState(p.Account.ID, "")
	if err != nil {
		return err
	}
	if err := account.CanSend(sender.Status, sender.Block); err != nil {
		return err
	}
	if p.Level() == account.Normal {
		msgs, n, err := tx.DailyUsage(sender.ID, day)
		if err != nil {
			return err
		}
		if err := s.Limits.Check(p.Level(), msgs, n, len(rcpts)); err != nil {
			return err
		}
	}
	if err := s.resolve(tx, o, rcpts); err != nil {
		return err
	}
	l := out.Letter
	if err := tx.InsertLetter(l); err != nil {
		return err
	}
	// DMG §5(7): the dispatch confirmation proves when the letter left the
	// sender's mailbox; that is this moment. DMG §5(8): the receipt
	// confirmation proves when it was stored in each recipient's mailbox.
	copies := append(make([]*store.Copy, 0, len(rcpts)+1), out.SentCopy)
	events := append(make([]*store.Event, 0, len(rcpts)+1), &store.Event{ID: store.NewID(l.SubmittedAt),
		LetterID: l.ID, CopyID: out.SentCopy.ID, AccountID: sender.ID, Kind: store.EventAccepted,
		At: l.SubmittedAt, Level: p.Level()})
	for i, r := range rcpts {
		c := out.Copies[i]
		copies = append(copies, c)
		if r.remote {
			// Held for the handover only: the recipient's provider stores
			// it, runs its pickup deadline, and confirms the receipt
			// (DESIGN "Where a letter goes").
			c.Folder, c.Remote, c.AwaitsPickup = store.Relay, r.final(), false
			events = append(events, nil)
			continue
		}
		c.AccountID = r.acc.ID
		events = append(events, &store.Event{ID: store.NewID(c.Arrived), LetterID: l.ID, CopyID: c.ID,
			AccountID: r.acc.ID, Kind: store.EventStored, At: c.Arrived})
	}
	if err := tx.InsertCopy(copies...); err != nil {
		return err
	}
	if err := tx.InsertEvent(slices.DeleteFunc(slices.Clone(events), func(e *store.Event) bool { return e == nil })...); err != nil {
		return err
	}
	jobs, err := forwardJobs(tx, acceptJobs(out, events, s.Location), out.Copies)
	if err != nil {
		return err
	}
	if len(jobs) > 0 {
		if err := tx.Enqueue(jobs...); err != nil {
			return err
		}
	}
	if p.Level() == account.Normal {
		// Last: the sender's usage row is the one row all of a sender's
		// accepts write, and on PostgreSQL its lock is held from here to the
		// commit; every other write of the accept is to rows of its own.
		return tx.AddDailyUsage(sender.ID, day, 1, len(rcpts))
	}
	return nil
}

// parseRecipients normalises every address and lists the copies to make.
func (s *Service) parseRecipients(d *Draft) ([]recipient, error) {
	var out []recipient
	for _, list := range []struct {
		role  string
		addrs []string
	}{{"to", d.To}, {"cc", d.Cc}, {"bcc", d.Bcc}} {
		for i, raw := range list.addrs {
			field := fmt.Sprintf("%s[%d]", list.role, i)
			a, err := address.Parse(raw)
			if err != nil {
				return nil, problem.WithField(err, field)
			}
			list.addrs[i] = a.String()
			out = append(out, recipient{addr: a.String(), role: list.role, field: field})
		}
	}
	if len(d.To) == 0 {
		return nil, problem.Field("to", "required", "a letter needs at least one recipient in to")
	}
	return out, nil
}

// resolve finds each recipient's account and checks it may receive this letter.
func (s *Service) resolve(tx store.Tx, o letter.Options, rcpts []recipient) error {
	for i := range rcpts {
		r := &rcpts[i]
		a, _ := address.Parse(r.addr)
		if a.Domain != s.Domain {
			if err := s.remote(r, a.Domain); err != nil {
				return err
			}
			continue
		}
		acc, err := tx.AccountState("", r.addr)
		if errors.Is(err, store.ErrNotFound) || (err == nil && !receivable(acc.Status)) {
			return refuse(r, nil, problem.Field(r.field, "unknown_recipient", "%s is not a registered-mail address here", r.addr))
		}
		if err != nil {
			return err
		}
		if ok, err := s.redirect(tx, o, r, acc); ok { // TR PVD-FU §3.1.3.3
			if err != nil {
				return err
			}
			continue
		}
		if err := account.CanReceive(acc.Status, acc.Block); err != nil {
			return refuse(r, acc, problem.WithField(err, r.field))
		}
		if err := letter.CheckRecipient(o, letter.RecipientInfo{Address: r.addr,
			CanLoginHigh: acc.SecondFactor() && acc.Block != account.HighBlock}); err != nil {
			return refuse(r, acc, problem.WithField(err, r.field))
		}
		r.acc = acc
	}
	return nil
}

// remote accepts recipient r at domain when an accredited provider serves
// it: that provider checks the recipient when it receives the letter
// (SPEC "Transport between providers": only registered-mail domains
// exchange mail).
func (s *Service) remote(r *recipient, domain string) error {
	if s.Peers == nil {
		return refuse(r, nil, problem.Field(r.field, "unknown_domain",
			"%s is not at this provider (%s), and this provider is not part of a federation", r.addr, s.Domain))
	}
	if err := s.Peers.Accredited(s.Domain); err != nil {
		// Revoked, or not yet listed: no provider would take the letter
		// from this one (TR BInfra-IO §7).
		s.Log.Error("this provider is not on the trust list; letters to other providers are refused", "err", err)
		return refuse(r, nil, problem.New(problem.Unavailable, r.field, "not_accredited",
			"%s cannot be reached from here now: this provider (%s) is not on the accreditation authority's current trust list", r.addr, s.Domain))
	}
	if err := s.Peers.Accredited(domain); err != nil {
		s.Log.Info("recipient domain refused", "domain", domain, "err", err)
		return refuse(r, nil, problem.Field(r.field, "unknown_domain",
			"%s is not a registered-mail address: no accredited provider serves %s", r.addr, domain))
	}
	r.remote = true
	return nil
}

// receivable: an account receives once its identity is verified; an application
// still pending is not yet an address anyone can write to.
func receivable(s account.Status) bool {
	return s == account.Verified || s == account.Active || s == account.Closed
}

// fromName is what recipients see as the sender's name; a pseudonym shows only
// itself (DMG §5(2): pseudonyms are marked as such to every reader).
func fromName(a *store.Account) string {
	if a.Pseudonym {
		return ""
	}
	return a.DisplayName
}
