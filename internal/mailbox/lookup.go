package mailbox

import (
	"context"
	"errors"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/store"
)

// Lookup returns p's copy id with its letter's metadata, neither reading
// its content nor recording a reading: for a page that must show a
// personal letter's sender and arrival to a session at normal, and
// nothing more (DMG §5(4); TR PVD-FU §3.3.1). Callers hide what Hidden
// says; Open is the way to the content.
func (s *Service) Lookup(ctx context.Context, p *auth.Principal, id string) (*store.Copy, error) {
	var c *store.Copy
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		c, err = s.copyOf(tx, p, id)
		return err
	})
	return c, err
}

// Identity is who sent a letter, as far as this provider can tell its
// reader: a reader of registered mail must know whom they deal with
// (DMG §3, §5(2)).
type Identity struct {
	Address string
	// Kind is the account's kind when the sender has an account here
	// ("" for another provider's user or a system address).
	Kind account.Kind
	// Pseudonym: the address is a pseudonym, marked as one to every
	// reader (TR ACM-FU §2.1.1).
	Pseudonym bool
	// Local: the sender's identity was verified by this provider.
	Local bool
	// System: a provider's own address (confirmations, notices: TR PVD-IO
	// §3), not a person's.
	System bool
	// Provider is the domain of the sender's provider.
	Provider string
}

// SenderOf says who sent l. An account here is looked up for its kind;
// a sender at another accredited provider was verified by that provider
// (DMG §3(2)), whose kind this provider does not know.
func (s *Service) SenderOf(ctx context.Context, l *store.Letter) (Identity, error) {
	id := Identity{Address: l.SenderAddress}
	if a, err := address.Parse(l.SenderAddress); err == nil {
		id.Provider, id.Pseudonym, id.System = a.Domain, a.IsPseudonym(), address.IsReserved(a.Local)
	} else if at := strings.LastIndexByte(l.SenderAddress, '@'); at >= 0 {
		id.Provider = l.SenderAddress[at+1:]
	}
	if l.SenderID == "" {
		return id, nil
	}
	err := s.Store.View(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(l.SenderID)
		if errors.Is(err, store.ErrNotFound) {
			return nil // closed and deleted since: the address is all there is
		}
		if err != nil {
			return err
		}
		id.Kind, id.Pseudonym, id.Local, id.System = a.Kind, a.Pseudonym, true, false
		return nil
	})
	return id, err
}
