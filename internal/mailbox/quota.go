package mailbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

// Storage quota (SPEC "Limits": a full mailbox may block sending, never
// receiving). The store counts what each mailbox holds with every copy it
// writes (store.QuotaTx): every path that files a copy (submission, a
// letter from another provider, a confirmation, a notice, a copy into a
// folder, a forward) is counted without knowing it. This file decides what
// follows from the count:
//
//   - Submit refuses a letter while the sender's mailbox is full (used >=
//     quota), reading the usage once before the accept and outside its
//     transaction: the accept then reads no row that concurrent accepts
//     write. A burst of letters already under way when the mailbox fills
//     still goes through; the next one is refused.
//   - Receive never looks: letters arrive over the quota too.
//   - FoldUsage, run every few seconds on one node, looks at the mailboxes
//     whose usage changed and queues a notice to each holder whose mailbox
//     passed into its last 10 %; one notice until the mailbox is below 90 %
//     used again (store.Usage.Warned), so that a holder hovering at the
//     edge is not told over and over.

// JobQuotaNotice is the queue kind of the notice that a mailbox is nearly
// full (package confirmation writes it); the key names the account.
const JobQuotaNotice = "quota-notice"

// foldBatch bounds the pending changes, and so the mailboxes, that one
// transaction of FoldUsage takes; foldRounds the transactions of one run,
// so that a run ends while letters keep coming (the next run goes on).
const foldBatch, foldRounds = 2000, 50

// Quota is an account's usage against its quota, in one read that scans
// nothing.
func (s *Service) Quota(ctx context.Context, accountID string) (account.Quota, error) {
	q, _, err := s.AccountQuota(ctx, accountID)
	return q, err
}

// AccountQuota is Quota, and whether the account has a quota of its own
// (an officer's) rather than the provider's default.
func (s *Service) AccountQuota(ctx context.Context, accountID string) (q account.Quota, own bool, err error) {
	var u *store.Usage
	err = s.Store.Peek(ctx, func(tx store.Tx) (err error) {
		u, err = tx.MailboxUsage(accountID)
		return err
	})
	if err != nil {
		return account.Quota{}, false, err
	}
	return s.quotaOf(u), u.Quota != 0, nil
}

// quotaOf is u against the account's own quota, or else the default.
func (s *Service) quotaOf(u *store.Usage) account.Quota {
	limit := u.Quota
	if limit == 0 {
		limit = max(s.DefaultQuota, account.MinQuota)
	}
	return account.Quota{Used: u.Used, Limit: limit}
}

// checkQuota refuses a letter while its sender's mailbox is full: its copy
// in Sent would add to it.
func (s *Service) checkQuota(ctx context.Context, accountID string) error {
	q, err := s.Quota(ctx, accountID)
	if err != nil {
		return err
	}
	if err := q.CheckSend(); err != nil {
		s.Log.Info("letter refused: mailbox full", "account", accountID, "used", q.Used, "quota", q.Limit)
		return err
	}
	return nil
}

// FoldUsage is the scheduled task that decides the low-space notices: it
// takes the mailboxes whose usage changed since it last ran
// (store.QuotaTx.FoldUsage) and, in the same transaction, queues a
// JobQuotaNotice for each that is now in its last 10 % and was not warned,
// and marks warned again those back below 90 %, until none is left.
func (s *Service) FoldUsage(ctx context.Context) error {
	for range foldRounds {
		now := s.Clock.Now()
		var n, warned int
		err := s.Store.Update(ctx, func(tx store.Tx) error {
			changed, err := tx.FoldUsage(foldBatch)
			n, warned = len(changed), 0
			if err != nil {
				return err
			}
			for _, u := range changed {
				q := s.quotaOf(&u)
				switch {
				case q.Low() && !u.Warned:
					warned++
					if err := tx.SetUsageWarned(u.AccountID, true); err != nil {
						return err
					}
					// A key of its own each time: the holder is told again
					// after the mailbox recovered and filled up anew.
					job := &store.Job{ID: store.NewID(now), Kind: JobQuotaNotice,
						Key: u.AccountID + "/" + store.NewID(now), RunAt: now, CreatedAt: now}
					if err := tx.Enqueue(job); err != nil {
						return err
					}
				case u.Warned && q.Recovered():
					if err := tx.SetUsageWarned(u.AccountID, false); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("mailbox usage: %w", err)
		}
		if warned > 0 {
			s.Log.Info("mailboxes nearly full: notices queued", "mailboxes", warned)
		}
		if n == 0 {
			return nil
		}
	}
	return nil
}

// FoldEvery is how often FoldUsage runs: the delay of a low-space notice,
// and on PostgreSQL what bounds the pending changes a usage read sums.
const FoldEvery = 5 * time.Second

// QuotaNoticeAccount is the account a JobQuotaNotice is for.
func QuotaNoticeAccount(j store.Job) string {
	id, _, _ := strings.Cut(j.Key, "/")
	return id
}
