// Package registration opens, verifies, blocks and closes accounts: the work of a
// provider's registration officers (DMG §3; TR ACM-FU, TR ID-FU). An application
// reserves an address; an officer verifies the holder's identity and records how;
// manual entries need a second officer (four-eyes); verification delivers initial
// credentials; the account activates at its first successful login (auth package).
// Every change is written to the account's tamper-evident history in the same
// transaction as the change itself.
package registration

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// AddressQuarantine is how long a released address is not given to anyone else
// (SPEC Accounts: 30 years).
const AddressQuarantine = 30 * 365 * 24 * time.Hour

// Service is the registration service of one provider.
type Service struct {
	Store  store.Store
	Clock  clock.Clock
	Domain string
	Argon2 account.Argon2Params
	Rand   io.Reader
	Log    *slog.Logger
	// CheckOrderTarget checks the address of a closure's forwarding order
	// (forward.go); nil on a provider that makes none.
	CheckOrderTarget func(tx store.Tx, closing *store.Account, target, field string) (string, error)
}

// Application is what an applicant submits.
type Application struct {
	Kind         account.Kind
	Person       *account.PersonData
	Organisation *account.OrganisationData
	// Address is one of the proposed addresses the applicant chose; empty takes
	// the first free one.
	Address string
	// Pseudonym asks for a pseudonym address pn_<label> instead of the name
	// (persons only, DMG §5(2)).
	Pseudonym string
	// Consents required before activation (SPEC "Activation").
	InfoAcknowledged bool
	MalwareConsent   bool
}

// nameParts returns the parts an address is generated from.
func (a Application) nameParts() []string {
	if a.Kind == account.Person && a.Person != nil {
		return []string{a.Person.FirstNames, a.Person.Surname}
	}
	if a.Organisation != nil {
		return []string{a.Organisation.Name}
	}
	return nil
}

func (a Application) validate(now time.Time) error {
	if !a.Kind.Valid() {
		return problem.Field("kind", "invalid", "kind must be person, organisation or authority")
	}
	switch a.Kind {
	case account.Person:
		if a.Person == nil {
			return problem.Field("person", "required", "a person's application needs the person's data")
		}
		if a.Organisation != nil {
			return problem.Field("organisation", "not_allowed", "a person's application has no organisation data")
		}
		if err := a.Person.Validate(now); err != nil {
			return err
		}
	default:
		if a.Organisation == nil {
			return problem.Field("organisation", "required", "an %s's application needs the organisation's data", a.Kind)
		}
		if a.Person != nil {
			return problem.Field("person", "not_allowed", "an %s's application has no person data", a.Kind)
		}
		if a.Pseudonym != "" {
			return problem.Field("pseudonym", "not_allowed", "only persons may hold pseudonym addresses")
		}
		if err := a.Organisation.Validate(a.Kind); err != nil {
			return err
		}
	}
	if !a.InfoAcknowledged {
		return problem.Field("info_acknowledged", "required", "the mandatory information must be acknowledged (DMG §9)")
	}
	if !a.MalwareConsent {
		return problem.Field("malware_consent", "required", "consent to malware scanning is required (TR PVD-FU §3.1.3.1)")
	}
	return nil
}

// taken reports whether an address is in use or quarantined.
func (s *Service) taken(tx store.Tx) func(string) (bool, error) {
	since := s.Clock.Now().Add(-AddressQuarantine)
	return func(addr string) (bool, error) { return tx.AddressTaken(addr, since) }
}

// Propose returns up to n free addresses for an application.
func (s *Service) Propose(ctx context.Context, app Application, n int) ([]string, error) {
	if err := app.validate(s.Clock.Now()); err != nil {
		return nil, err
	}
	var out []string
	err := s.Store.View(ctx, func(tx store.Tx) error {
		if app.Pseudonym != "" {
			a, err := address.Pseudonym(app.Pseudonym, s.Domain)
			if err != nil {
				return problem.WithField(err, "pseudonym")
			}
			if t, err := s.taken(tx)(a.String()); err != nil || t {
				if err == nil {
					err = problem.Field("pseudonym", "taken", "the pseudonym %s is taken", a)
				}
				return err
			}
			out = []string{a.String()}
			return nil
		}
		as, err := address.Proposals(s.Domain, app.nameParts(), s.taken(tx), n)
		if err != nil {
			return problem.WithField(err, "name")
		}
		for _, a := range as {
			out = append(out, a.String())
		}
		return nil
	})
	return out, err
}

// Apply records an application and reserves its address. The account starts as
// pending: it cannot log in until an officer verified the holder's identity.
func (s *Service) Apply(ctx context.Context, app Application) (*store.Account, error) {
	now := s.Clock.Now()
	if err := app.validate(now); err != nil {
		return nil, err
	}
	holder, display := s.holder(app)
	acc := &store.Account{
		ID: store.NewID(now), Kind: app.Kind, DisplayName: display, Holder: holder,
		Status: account.Pending, InfoAcknowledged: app.InfoAcknowledged,
		MalwareConsent: app.MalwareConsent, CreatedAt: now,
	}
	if app.Organisation != nil {
		acc.FormalService = app.Organisation.FormalService
	}
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		addr, err := s.chooseAddress(tx, app)
		if err != nil {
			return err
		}
		acc.Address, acc.Pseudonym = addr.String(), addr.IsPseudonym()
		if err := tx.InsertAccount(acc); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return problem.New(problem.Conflict, "address", "taken", "the address %s was just taken; choose another", addr)
			}
			return err
		}
		return Record(tx, now, acc.ID, "applied", "user", map[string]any{
			"kind": acc.Kind, "address": acc.Address, "pseudonym": acc.Pseudonym,
			"info_acknowledged": true, "malware_consent": true,
		})
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("application received", "account", acc.ID, "kind", acc.Kind)
	return acc, nil
}

func (s *Service) holder(app Application) ([]byte, string) {
	if app.Person != nil {
		b, _ := json.Marshal(app.Person)
		return b, app.Person.DisplayName()
	}
	b, _ := json.Marshal(app.Organisation)
	return b, app.Organisation.DisplayName()
}

func (s *Service) chooseAddress(tx store.Tx, app Application) (address.Address, error) {
	taken := s.taken(tx)
	if app.Pseudonym != "" {
		a, err := address.Pseudonym(app.Pseudonym, s.Domain)
		if err != nil {
			return a, problem.WithField(err, "pseudonym")
		}
		if t, err := taken(a.String()); err != nil || t {
			if err == nil {
				err = problem.Field("pseudonym", "taken", "the pseudonym %s is taken", a)
			}
			return a, err
		}
		return a, nil
	}
	if app.Address == "" {
		a, err := address.Generate(s.Domain, app.nameParts(), taken)
		return a, problem.WithField(err, "name")
	}
	a, err := address.Parse(app.Address)
	if err != nil {
		return a, problem.WithField(err, "address")
	}
	// A chosen address must be one the rules would propose: it may not be
	// invented (SPEC Accounts: addresses are generated from the name).
	props, err := address.Proposals(s.Domain, app.nameParts(), taken, 20)
	if err != nil {
		return a, problem.WithField(err, "name")
	}
	for _, p := range props {
		if p == a {
			return a, nil
		}
	}
	return a, problem.Field("address", "not_proposed", "%s is not one of the free addresses proposed for this name", a)
}

// Record appends an entry to an account's tamper-evident history within tx
// (SPEC Accounts: what, when, automated or by whom; kept 10 years).
func Record(tx store.Tx, now time.Time, accountID, action, actor string, detail map[string]any) error {
	prev := account.GenesisHash
	last, err := tx.LastHistory(accountID)
	switch {
	case err == nil:
		prev = last.Hash
	case errors.Is(err, store.ErrNotFound):
		last = account.Entry{}
	default:
		return err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	d, err := json.Marshal(detail)
	if err != nil {
		return fmt.Errorf("history detail: %w", err)
	}
	e := account.Entry{Seq: last.Seq + 1, At: now, Account: accountID, Action: action, Actor: actor, Detail: string(d)}
	if err := account.CheckEntry(e); err != nil {
		return fmt.Errorf("history entry %q: %w", action, err)
	}
	return tx.AppendHistory(account.Seal(prev, e))
}
