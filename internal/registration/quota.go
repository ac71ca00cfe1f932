package registration

import (
	"context"
	"errors"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// SetQuota gives an account's mailbox a storage quota of its own, mib MiB
// (account.CheckQuota: at least 100), or with 0 returns it to the
// provider's default: an authority that sends tens of thousands of letters
// keeps a copy of each in Sent, and needs more than a citizen (SPEC
// "Limits"). The account is named by id or by address. The change is
// recorded in the account's history with the officer; usage is not
// touched, and a mailbox over its new quota may receive but not send.
func (s *Service) SetQuota(ctx context.Context, o *store.Officer, idOrAddress string, mib int64) (*store.Account, error) {
	if err := account.CheckQuota(mib); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	var out *store.Account
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := s.lookup(tx, idOrAddress)
		if err != nil {
			return err
		}
		if a.Status == account.Closed {
			return problem.New(problem.Conflict, "status", "account_closed", "account %s is closed", a.Address)
		}
		u, err := tx.MailboxUsage(a.ID)
		if err != nil {
			return err
		}
		if u.Quota == mib<<20 {
			return problem.New(problem.Conflict, "mib", "unchanged", "account %s has this quota already", a.Address)
		}
		if err := tx.SetMailboxQuota(a.ID, mib<<20); err != nil {
			return err
		}
		out = a
		return Record(tx, now, a.ID, "quota_set", actor(o), map[string]any{"quota_mib": mib, "previous_mib": u.Quota >> 20})
	})
	if err == nil {
		s.Log.Info("mailbox quota changed", "account", out.ID, "officer", o.ID, "mib", mib)
	}
	return out, err
}

// lookup finds an account by id, or by address when the argument has an @.
func (s *Service) lookup(tx store.Tx, idOrAddress string) (*store.Account, error) {
	if !strings.Contains(idOrAddress, "@") {
		return s.load(tx, idOrAddress)
	}
	addr, err := address.Parse(idOrAddress)
	if err != nil {
		return nil, problem.WithField(err, "account")
	}
	a, err := tx.AccountByAddress(addr.String())
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.New(problem.NotFound, "account", "not_found", "no account %s", idOrAddress)
	}
	return a, err
}
