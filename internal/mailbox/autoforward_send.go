package mailbox

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/store"
)

// Outgoing is a built automatic forward, or its notice, with its body
// stored: AcceptAutoForward stores it in the job's transaction.
type Outgoing struct {
	plan *ForwardPlan
	out  *Accepted
	opts letter.Options
}

// BuildAutoForward builds what plan sends to the forwarding address, from
// the holder's address, scans it as a submission is scanned (TR PVD-FU
// §3.1.3.1), and stores its body. A "malware" or "scan_limits" problem
// means it must not go; an unavailable scanner is a temporary error.
func (s *Service) BuildAutoForward(ctx context.Context, plan *ForwardPlan) (*Outgoing, error) {
	now := s.Clock.Now()
	h, m := plan.Holder, plan.Parsed
	draft := letter.Draft{MessageID: store.NewID(now), From: h.Address, FromName: fromName(h),
		To: []string{plan.Setting.Target}, Options: forwardOptions(plan),
		// DMG §5(11): the holder set the forwarding up at high, and it
		// acts on that instruction without a login.
		AuthLevel: account.High, Provider: s.Domain, Date: now}
	auto := AutoForwarded
	if plan.Action == ForwardLetter {
		draft.Subject = prefixed(forwardPrefix, m.Subject, "fwd:", "wg:")
		draft.Text = fmt.Sprintf("Automatisch weitergeleitet von %[1]s / Forwarded automatically by %[1]s (TR PVD-FU §3.1.3.2)\n\n",
			h.Address) + forwardText("", m)
		for i, a := range m.Attachments {
			draft.Attachments = append(draft.Attachments, carried(a, i))
		}
		draft.References = letter.ThreadReferences(m.References, m.MsgID)
	} else {
		auto = AutoNotified
		draft.Subject, draft.Text = s.targetNotice(plan)
	}
	msg, err := letter.Build(draft)
	if err != nil {
		return nil, fmt.Errorf("auto-forward of letter %s: %w", plan.Copy.LetterID, err)
	}
	if s.Scanner != nil {
		v, err := s.Scanner.Scan(ctx, msg.Bytes(letter.ViewSender, ""))
		if err != nil {
			return nil, s.scanFailed(err, msg.MessageID())
		}
		if !v.Clean() {
			s.Log.Warn("auto-forward refused: malware scan", "letter", plan.Copy.LetterID, "signature", v.Signature)
			return nil, scanRefusal(v, "", "the letter", "forwarded")
		}
	}
	hash := msg.BodyHash()
	l := &store.Letter{ID: store.NewID(now), MessageID: msg.MessageID(), SenderID: h.ID, SenderAddress: h.Address,
		Subject: draft.Subject, Personal: draft.Options.Personal, PrivateID: draft.Options.PrivateID,
		AuthLevel: draft.AuthLevel, Attachments: len(draft.Attachments), BodyHash: hash[:], SubmittedAt: now}
	l.Recipients, _ = json.Marshal(map[string][]string{"to": draft.To})
	if err := s.StoreBody(ctx, l, msg.Body()); err != nil {
		return nil, err
	}
	// The trace goes before the header fields every copy shares: the
	// integrity value covers the body (and a seal, which a forward never
	// has, names its fields), so fields added on top leave it intact.
	trace := traceFields(auto, append(slices.Clone(plan.chain), h.Address))
	out := &Accepted{Letter: l,
		SentCopy: &store.Copy{ID: store.NewID(now), LetterID: l.ID, AccountID: h.ID, Folder: store.Sent,
			Role: "sender", Header: slices.Concat(trace, msg.Header(letter.ViewSender, "")), Arrived: now},
		Copies: []*store.Copy{{ID: store.NewID(now), LetterID: l.ID, Folder: store.Inbox, Role: "to",
			Header: slices.Concat(trace, msg.Header(letter.ViewRecipient, "")), Arrived: now}}}
	return &Outgoing{plan: plan, out: out, opts: draft.Options}, nil
}

// traceFields are the header fields that mark an automatic forward: its
// kind (RFC 3834 §5) and each holder that forwarded it.
func traceFields(auto string, chain []string) []byte {
	var b strings.Builder
	b.WriteString(HdrAutoSubmitted + ": " + auto + "\r\n")
	for _, a := range chain {
		b.WriteString(HdrForwardedFrom + ": <" + a + ">\r\n")
	}
	return []byte(b.String())
}

// targetNotice is the notice the forwarding address gets instead of a
// letter: who sent it to whom and when, never its subject or content,
// which a personal letter's reader may see only at high (DMG §5(4)).
func (s *Service) targetNotice(plan *ForwardPlan) (subject, text string) {
	c, h := plan.Copy, plan.Holder
	arrived := s.arrivedAt(c.Arrived)
	whyDE := "Es ist ein persönlicher Brief, und persönliche Briefe werden auf Wunsch des Postfachinhabers nicht weitergeleitet (§ 5 Abs. 11 De-Mail-G)."
	whyEN := "It is a personal letter, and the mailbox's holder chose not to have personal letters forwarded (DMG §5(11))."
	if c.Letter.PickupConfirmation {
		whyDE = "Es ist ein Brief zur förmlichen Zustellung mit Abholbestätigung; solche Briefe werden nie weitergeleitet (TR PVD-FU §3.1.3.2)."
		whyEN = "It is a letter of formal service with pickup confirmation, which is never forwarded (TR PVD-FU §3.1.3.2)."
	}
	subject = "Benachrichtigung: neuer Brief für " + h.Address + " / Notice: a new letter for " + h.Address
	text = fmt.Sprintf(`Im Postfach %[1]s ist ein Brief eingegangen, der nicht weitergeleitet wird:
  Absender:  %[2]s
  Eingang:   %[3]s
%[4]s
Er liegt im Postfach %[1]s; dort kann er gelesen werden.

A letter arrived in the mailbox of %[1]s and is not forwarded:
  Sender:    %[2]s
  Arrived:   %[3]s
%[5]s
It is in the mailbox of %[1]s, where it can be read.
`, h.Address, c.Letter.SenderAddress, arrived, whyDE, whyEN)
	return subject, text
}

// AcceptAutoForward stores a built forward or notice in the job's
// transaction, as Submit's accept stores a letter: the holder's copy in
// Sent with its accepted event, and the forwarding address's copy, in an
// inbox here (with its stored event, and the next forward when that
// account forwards too) or held for the handover to its provider. The
// address is resolved again: a refusal now (the address closed since the
// plan) fails the job, whose next attempt plans a notice to the holder.
func (s *Service) AcceptAutoForward(tx store.Tx, o *Outgoing) error {
	l, out := o.out.Letter, o.out
	rs := []recipient{{addr: o.plan.Setting.Target, role: "to", field: FieldTarget}}
	if err := s.resolve(tx, o.opts, rs); err != nil {
		return err
	}
	if err := tx.InsertLetter(l); err != nil {
		return err
	}
	c := out.Copies[0]
	events := []*store.Event{{ID: store.NewID(l.SubmittedAt), LetterID: l.ID, CopyID: out.SentCopy.ID,
		AccountID: l.SenderID, Kind: store.EventAccepted, At: l.SubmittedAt, Level: l.AuthLevel}}
	var jobs []*store.Job
	if r := rs[0]; r.remote {
		c.Folder, c.Remote = store.Relay, r.final()
		jobs = append(jobs, RelayJob(c))
	} else {
		c.AccountID = r.acc.ID
		events = append(events, &store.Event{ID: store.NewID(c.Arrived), LetterID: l.ID, CopyID: c.ID,
			AccountID: r.acc.ID, Kind: store.EventStored, At: c.Arrived})
	}
	if err := tx.InsertCopy(out.SentCopy, c); err != nil {
		return err
	}
	if err := tx.InsertEvent(events...); err != nil {
		return err
	}
	jobs, err := forwardJobs(tx, jobs, out.Copies)
	if err != nil {
		return err
	}
	s.Log.Info("letter forwarded automatically", "letter", o.plan.Copy.LetterID, "forward", l.ID,
		"account", l.SenderID, "notice", o.plan.Action != ForwardLetter, "remote", c.Remote != "")
	if len(jobs) == 0 {
		return nil
	}
	return tx.Enqueue(jobs...)
}

// arrivedAt formats t for a notice in the provider's zone.
func (s *Service) arrivedAt(t time.Time) string {
	return t.In(s.Location).Format("02.01.2006 15:04 MST")
}
