package confirmation

import (
	"context"
	"errors"
	"fmt"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// HandleQuotaNotice is the queue handler of mailbox.JobQuotaNotice: a
// notice from the reserved notice address into the holder's inbox that
// the mailbox is nearly full, with what it holds, what a full mailbox
// means (no sending; letters still arrive, SPEC "Limits") and how to free
// space. It is stored even in a full mailbox, as every letter to it is.
func (s *Service) HandleQuotaNotice(ctx context.Context, j store.Job) (func(store.Tx) error, error) {
	id := mailbox.QuotaNoticeAccount(j)
	var rcpt *store.Account
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		rcpt, err = tx.AccountByID(id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) || (err == nil && rcpt.Status == account.Closed) {
		return nil, nil // nobody to tell
	}
	if err != nil {
		return nil, err
	}
	q, err := s.Mail.Quota(ctx, id)
	if err != nil {
		return nil, err
	}
	if !q.Low() {
		return nil, nil // space was freed meanwhile
	}
	now := s.Clock.Now()
	subject, text := quotaNoticeText(q)
	l, cp, err := s.noticeFrom(ctx, NoticeSender, TypeNotification, rcpt, subject, text, "", now)
	if err != nil {
		return nil, err
	}
	s.Log.Info("mailbox nearly full: holder told", "account", id, "used", q.Used, "quota", q.Limit)
	return func(tx store.Tx) error {
		if err := tx.InsertLetter(l); err != nil {
			return err
		}
		return tx.InsertCopy(cp)
	}, nil
}

// quotaNoticeText is the notice's subject and text, German then English,
// as the other notices are.
func quotaNoticeText(q account.Quota) (subject, text string) {
	subject = "Ihr Postfach ist fast voll / Your mailbox is nearly full"
	de, en := "Wenn es voll ist, können Sie keine Briefe mehr versenden.", "Once it is full, you cannot send letters."
	if q.Full() {
		subject = "Ihr Postfach ist voll / Your mailbox is full"
		de, en = "Es ist voll: Sie können keine Briefe versenden, bis Sie Platz schaffen.",
			"It is full: you cannot send letters until you free space."
	}
	text = fmt.Sprintf(`Ihr Postfach belegt %[1]s von %[2]s Speicherplatz (%[3]d %%). %[4]s
Briefe an Sie kommen weiterhin an.
So schaffen Sie Platz: Löschen Sie Briefe, die Sie nicht mehr brauchen, und leeren Sie danach den
Papierkorb; auch Briefe im Papierkorb belegen Speicherplatz. Sichern Sie vorher, was Sie aufbewahren
möchten (Export). Brauchen Sie dauerhaft mehr Platz, wenden Sie sich an Ihren Anbieter.

Your mailbox holds %[1]s of its %[2]s of storage (%[3]d %%). %[5]s
Letters to you still arrive.
To free space: delete letters you no longer need, then empty the trash; letters in the trash count
too. Export what you want to keep first. If you need more space for good, ask your provider.
`, account.MiB(q.Used), account.MiB(q.Limit), q.Percent(), de, en)
	return subject, text
}
