package mailbox

import (
	"context"
	"errors"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// Automatic forwarding (TR PVD-FU §3.1.3.2; DMG §5(11)): a holder names
// one other registered-mail address, and every letter stored in their
// inbox from then on is kept there and, besides, sent on to that address
// (autoforward.go). The setting is made or changed only at high (DMG
// §5(11) last sentence: "sicher angemeldet"); it is read at any level and
// may be withdrawn at any level ("jederzeit zurücknehmen"). It ends when
// the account closes (registration.Service.Close).
//
// The address must be a registered-mail address another than the
// holder's own: an account here that can receive (not closed, not
// blocked from receiving, not an application still pending), or an
// address at an accredited provider on the trust list (TR PVD-FU
// §3.1.3.2: "an eine Adresse, die keine De-Mail-Adresse ist, ist
// unzulässig"). A chain of settings between accounts here that would
// lead back to the holder is refused when it is made; a loop through
// other providers is stopped when a letter comes round (MaxForwardHops).

// FieldTarget is the field of a forwarding address in requests and
// refusals.
const FieldTarget = "target"

// maxChain bounds how far a chain of settings here is followed when one is
// made: further than any runtime forward goes (MaxForwardHops).
const maxChain = 16

// Forwarding is p's automatic forwarding; nil when none.
func (s *Service) Forwarding(ctx context.Context, p *auth.Principal) (*store.Forwarding, error) {
	var f *store.Forwarding
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		f, err = tx.Forwarding(p.Account.ID)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	return f, err
}

// SetForwarding makes or changes p's automatic forwarding to target. The
// change is recorded in the account's history, which documents every
// change of an account's settings (TR ACM-FU §5.3).
func (s *Service) SetForwarding(ctx context.Context, p *auth.Principal, target string, excludePersonal bool) (*store.Forwarding, error) {
	if p.Level() != account.High {
		return nil, problem.New(problem.Forbidden, "", "login_level",
			"setting up automatic forwarding needs a session at high: step up with a second factor first (DMG §5(11))")
	}
	now := s.Clock.Now()
	var out *store.Forwarding
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		holder, err := tx.AccountByID(p.Account.ID)
		if err != nil {
			return err
		}
		addr, err := s.checkTarget(tx, holder, target, FieldTarget)
		if err != nil {
			return err
		}
		if err := s.checkChain(tx, holder.Address, addr, FieldTarget); err != nil {
			return err
		}
		f := &store.Forwarding{AccountID: holder.ID, Target: addr, ExcludePersonal: excludePersonal,
			CreatedAt: now, UpdatedAt: now}
		if old, err := tx.Forwarding(holder.ID); err == nil {
			f.CreatedAt = old.CreatedAt
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		if err := tx.SetForwarding(f); err != nil {
			return err
		}
		out = f
		return registration.Record(tx, now, holder.ID, "forwarding_set", account.ActorUser,
			map[string]any{"target": addr, "exclude_personal": excludePersonal})
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("automatic forwarding set", "account", p.Account.ID, "remote", domainOfAddr(out.Target) != s.Domain)
	return out, nil
}

// RemoveForwarding ends p's automatic forwarding, at any level: DMG §5(11)
// lets the holder withdraw it at any time. Having none is no error.
func (s *Service) RemoveForwarding(ctx context.Context, p *auth.Principal) error {
	now := s.Clock.Now()
	removed := false
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		removed = false
		if _, err := tx.Forwarding(p.Account.ID); errors.Is(err, store.ErrNotFound) {
			return nil
		} else if err != nil {
			return err
		}
		if err := tx.DeleteForwarding(p.Account.ID); err != nil {
			return err
		}
		removed = true
		return registration.Record(tx, now, p.Account.ID, "forwarding_removed", account.ActorUser, nil)
	})
	if err == nil && removed {
		s.Log.Info("automatic forwarding removed", "account", p.Account.ID)
	}
	return err
}

// checkTarget checks that raw may receive letters forwarded from holder
// and returns it in its canonical form; a refusal names field.
func (s *Service) checkTarget(tx store.Tx, holder *store.Account, raw, field string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", problem.Field(field, "required", "name the registered-mail address to forward to")
	}
	a, err := address.Parse(raw)
	if err != nil {
		return "", problem.WithField(err, field)
	}
	addr := a.String()
	switch {
	case addr == holder.Address:
		return "", problem.Field(field, "own_address", "%s is this account's own address: forward to another one", addr)
	case address.IsReserved(a.Local):
		return "", problem.Field(field, "system_address", "%s is a provider's system address, which takes no letters", addr)
	case a.Domain != s.Domain:
		return addr, s.checkRemoteTarget(a, field)
	}
	acc, err := tx.AccountState("", addr)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !receivable(acc.Status)) {
		return "", problem.Field(field, "unknown_recipient", "%s is not a registered-mail address here", addr)
	}
	if err != nil {
		return "", err
	}
	if err := account.CanReceive(acc.Status, acc.Block); err != nil {
		return "", problem.WithField(err, field)
	}
	return addr, nil
}

// checkRemoteTarget: an address at another domain is a registered-mail
// address only when an accredited provider serves that domain (TR PVD-FU
// §3.1.3.2; TR BInfra-IO §7).
func (s *Service) checkRemoteTarget(a address.Address, field string) error {
	if s.Peers == nil {
		return problem.Field(field, "unknown_domain",
			"%s is not at this provider (%s), and this provider is not part of a federation", a, s.Domain)
	}
	if err := s.Peers.Accredited(s.Domain); err != nil {
		return problem.New(problem.Unavailable, field, "not_accredited",
			"%s cannot be reached from here now: this provider (%s) is not on the accreditation authority's current trust list", a, s.Domain)
	}
	if err := s.Peers.Accredited(a.Domain); err != nil {
		return problem.Field(field, "unknown_domain",
			"%s is not a registered-mail address: no accredited provider serves %s", a, a.Domain)
	}
	return nil
}

// checkChain follows the automatic forwardings of the accounts here from
// target on and refuses one that leads back to from: a letter would go
// round for ever (A → B while B forwards to A, or a longer chain).
func (s *Service) checkChain(tx store.Tx, from, target, field string) error {
	chain := []string{from, target}
	for cur := target; len(chain) <= maxChain && domainOfAddr(cur) == s.Domain; {
		acc, err := tx.AccountState("", cur)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		f, err := tx.Forwarding(acc.ID)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		chain = append(chain, f.Target)
		if f.Target == from {
			return problem.Field(field, "forwarding_loop",
				"%s forwards back to %s (%s): letters would go round for ever", target, from, strings.Join(chain, " → "))
		}
		cur = f.Target
	}
	return nil
}

// domainOfAddr is the domain of a canonical address.
func domainOfAddr(addr string) string {
	_, d, _ := strings.Cut(addr, "@")
	return d
}
