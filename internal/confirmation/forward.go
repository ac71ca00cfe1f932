package confirmation

import (
	"context"
	"fmt"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// HandleAutoForward is the queue handler of mailbox.JobAutoForward: the
// automatic forwarding of one letter stored in a forwarding holder's inbox
// (TR PVD-FU §3.1.3.2; DMG §5(11); the rules are package mailbox's,
// autoforward.go). It sends the forward, or the notice that stands for it,
// from the holder's address to the forwarding address, or, when the
// letter cannot go on, puts a notice into the holder's inbox. What it
// sends is built and its body stored before, and stored in the effect,
// with the job's completion: every letter is forwarded once.
func (s *Service) HandleAutoForward(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	plan, err := s.Mail.PlanAutoForward(ctx, j.Key)
	if err != nil {
		return nil, err
	}
	switch plan.Action {
	case mailbox.ForwardSkip:
		return nil, nil
	case mailbox.ForwardNotifyHolder:
		return s.forwardNotice(ctx, plan)
	}
	out, err := s.Mail.BuildAutoForward(ctx, plan)
	if pr := problem.As(err); pr != nil && (pr.Code == "malware" || pr.Code == "scan_limits") {
		plan.Why = pr.Message
		return s.forwardNotice(ctx, plan)
	}
	if err != nil {
		return nil, err
	}
	return func(tx store.Tx) error { return s.Mail.AcceptAutoForward(tx, out) }, nil
}

// forwardNotice tells the holder that a letter in their inbox was not
// forwarded, and why. It names the letter by sender and arrival, never by
// subject: a personal letter's reader may see that only at high (DMG
// §5(4)), and notices are read at any level.
func (s *Service) forwardNotice(ctx context.Context, plan *mailbox.ForwardPlan) (func(store.Tx) error, error) {
	c, h := plan.Copy, plan.Holder
	now := s.Clock.Now()
	arrived := c.Arrived.In(s.Location).Format("02.01.2006 15:04 MST")
	subject := "Nicht weitergeleitet / Not forwarded: " + c.Letter.SenderAddress
	text := fmt.Sprintf(`Ein Brief in Ihrem Postfach wurde nicht automatisch an %[1]s weitergeleitet.
Er liegt weiter in Ihrem Posteingang.
  Absender:  %[2]s
  Eingang:   %[3]s
  Grund:     %[4]s

A letter in your mailbox was not forwarded automatically to %[1]s.
It stays in your inbox.
  Sender:    %[2]s
  Arrived:   %[3]s
  Reason:    %[4]s
`, plan.Setting.Target, c.Letter.SenderAddress, arrived, plan.Why)
	l, cp, err := s.notice(ctx, h, subject, text, c.Letter, now)
	if err != nil {
		return nil, err
	}
	s.Log.Info("letter not forwarded: holder told", "letter", c.LetterID, "account", h.ID, "loop", plan.Looped)
	return func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(cp)
	}, nil
}
