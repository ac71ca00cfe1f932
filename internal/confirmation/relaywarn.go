package confirmation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// HandleRelayWarning is the queue handler of mailbox.JobRelayWarning: unless
// the copy has been handed over (or given up) meanwhile, it tells the sender
// that the letter has not reached the recipient's provider within the
// handover deadline, and until when this provider keeps trying (SPEC
// "Dispatch options and confirmations": handed to the other provider
// within 4 h). Like the pickup reminder, it names no subject: a personal
// letter's subject is for a session at high.
func (s *Service) HandleRelayWarning(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	var w mailbox.RelayWarning
	if err := json.Unmarshal(j.Payload, &w); err != nil {
		return nil, fmt.Errorf("relay warning %s: payload: %w", j.Key, err)
	}
	var c *store.Copy
	var sender *store.Account
	done := false
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		if c, err = tx.CopyByID(j.Key); err != nil {
			return err
		}
		events, err := tx.Events(c.LetterID)
		if err != nil {
			return err
		}
		done = slices.ContainsFunc(events, func(e store.Event) bool {
			return e.CopyID == c.ID && (e.Kind == store.EventRelayed || e.Kind == store.EventRelayFailed ||
				e.Kind == store.EventRelayWarned || e.Kind == store.EventRedirected)
		})
		sender, err = tx.AccountByID(c.Letter.SenderID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil || done {
		return nil, err
	}
	now := s.Clock.Now()
	sent := c.Letter.SubmittedAt.In(s.Location).Format("02.01.2006 15:04 MST")
	until := w.GiveUpAt.In(s.Location).Format("02.01.2006 15:04 MST")
	subject := "Noch nicht übergeben / Not yet handed over: " + c.Remote
	text := fmt.Sprintf(`Ihr Brief an %[1]s, versandt am %[2]s, konnte dem Anbieter des Empfängers bisher nicht übergeben
werden: Dessen Server ist nicht erreichbar oder nimmt nichts an. Wir versuchen es weiter bis %[3]s.
Gelingt es bis dahin nicht, erhalten Sie einen signierten Nachweis über den Fehlschlag (Übergabefehler).

Your letter to %[1]s, dispatched at %[2]s, has not yet been handed over to the recipient's provider:
its server cannot be reached or takes nothing. We keep trying until %[3]s. If it does not succeed by
then, you receive signed evidence of the failure (handover failure).
`, c.Remote, sent, until)
	l, cp, err := s.notice(ctx, sender, subject, text, c.Letter, now)
	if err != nil {
		return nil, err
	}
	s.Log.Info("relay warning", "letter", c.LetterID, "copy", c.ID, "give_up_at", w.GiveUpAt)
	return func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		if err := tx.InsertCopy(cp); err != nil {
			return err
		}
		// Once: the handover's next failures see it.
		return tx.InsertEvent(&store.Event{ID: store.NewID(now), LetterID: c.LetterID, CopyID: c.ID,
			AccountID: sender.ID, Kind: store.EventRelayWarned, At: now})
	}, nil
}
