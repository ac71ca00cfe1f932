// Package contacts is the holders' address books: personal contacts, kept
// per account and offered while composing a letter (TR PVD-FU §3.1.3.5).
// The API, the CLI and the web mailbox all go through this service, so the
// rules below hold in each of them:
//
//   - a contact is a registered-mail address (checked by package address,
//     at this provider or another), with an optional name of at most
//     MaxName characters and an optional note of at most MaxNote;
//   - an address is in a book once; a book holds at most MaxContacts;
//   - only the holder sees and changes their book: a contact of another
//     account is answered as one that does not exist;
//   - the book is personal data, deleted when the account closes
//     (registration.Service.Close).
//
// A refusal is a *problem.Error naming the field (address, name, note).
package contacts

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Bounds of an address book and its entries.
const (
	MaxContacts = 2000 // contacts per account
	MaxName     = 200  // characters of a contact's name
	MaxNote     = 1000 // characters of a contact's note
	// DefaultPage and MaxPage bound a page of List.
	DefaultPage = 100
	MaxPage     = MaxContacts
)

// Service keeps the address books of one provider.
type Service struct {
	Store store.Store
	Clock clock.Clock
	Log   *slog.Logger
}

// Input is what a holder enters for a contact. Surrounding white space is
// removed; Address comes back in its canonical, lower-case form.
type Input struct {
	Address, Name, Note string
}

// check validates in and returns it cleaned.
func check(in Input) (Input, error) {
	a, err := address.Parse(in.Address)
	if err != nil {
		return in, problem.WithField(err, "address")
	}
	out := Input{Address: a.String(), Name: strings.TrimSpace(in.Name), Note: strings.TrimSpace(in.Note)}
	if err := checkText("name", out.Name, MaxName, false); err != nil {
		return in, err
	}
	if err := checkText("note", out.Note, MaxNote, true); err != nil {
		return in, err
	}
	return out, nil
}

// checkText refuses invalid UTF-8, more than max characters, and control
// characters (but line breaks and tabs in a note, when lines is set).
func checkText(field, s string, max int, lines bool) error {
	if !utf8.ValidString(s) {
		return problem.Field(field, "syntax", "The %s is not valid UTF-8 text.", field)
	}
	if n := utf8.RuneCountInString(s); n > max {
		return problem.Field(field, "too_long", "The %s has %d characters; at most %d are allowed.", field, n, max)
	}
	for _, r := range s {
		if lines && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || r == '\u2066' || r == '\u2067' ||
			r == '\u2068' || r == '\u2069' || (r >= '\u202a' && r <= '\u202e') {
			return problem.Field(field, "control_character", "The %s contains a control character.", field)
		}
	}
	return nil
}

func notFound(id string) error {
	return problem.New(problem.NotFound, "id", "not_found", "no contact %s in your address book", id)
}

func exists(addr string) error {
	return problem.New(problem.Conflict, "address", "contact_exists", "%s is in your address book already", addr)
}

// List returns a page of p's contacts by name, then address, after the
// previous page's last (nil for the first), and where the next page starts
// (nil after the last). limit 0 is DefaultPage.
func (s *Service) List(ctx context.Context, p *auth.Principal, after *store.ContactCursor, limit int) ([]store.Contact, *store.ContactCursor, error) {
	switch {
	case limit == 0:
		limit = DefaultPage
	case limit < 0 || limit > MaxPage:
		return nil, nil, problem.Field("limit", "invalid", "limit must be between 1 and %d", MaxPage)
	}
	var list []store.Contact
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		list, err = tx.AccountContacts(p.Account.ID, after, limit+1)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	var next *store.ContactCursor
	if len(list) > limit {
		list = list[:limit]
		last := list[limit-1]
		next = &store.ContactCursor{Name: last.Name, Address: last.Address}
	}
	return list, next, nil
}

// All returns every contact of p's book, for the compose form.
func (s *Service) All(ctx context.Context, p *auth.Principal) ([]store.Contact, error) {
	list, _, err := s.List(ctx, p, nil, MaxContacts)
	return list, err
}

// Get returns p's contact id.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (*store.Contact, error) {
	var c *store.Contact
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		c, err = tx.ContactByID(p.Account.ID, id)
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, notFound(id)
	}
	return c, err
}

// Find returns p's contact with address addr; a problem of kind NotFound
// when there is none.
func (s *Service) Find(ctx context.Context, p *auth.Principal, addr string) (*store.Contact, error) {
	a, err := address.Parse(addr)
	if err != nil {
		return nil, problem.WithField(err, "address")
	}
	var c *store.Contact
	err = s.Store.View(ctx, func(tx store.Tx) (err error) {
		c, err = tx.ContactByAddress(p.Account.ID, a.String())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.New(problem.NotFound, "address", "not_found", "%s is not in your address book", a)
	}
	return c, err
}

// Add puts a new contact in p's book.
func (s *Service) Add(ctx context.Context, p *auth.Principal, in Input) (*store.Contact, error) {
	in, err := check(in)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	c := &store.Contact{ID: store.NewID(now), AccountID: p.Account.ID, Address: in.Address, Name: in.Name, Note: in.Note,
		CreatedAt: now, UpdatedAt: now}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		n, err := tx.CountContacts(c.AccountID)
		if err != nil {
			return err
		}
		if n >= MaxContacts {
			return problem.New(problem.TooMany, "", "contact_limit",
				"an address book holds at most %d contacts; remove one first", MaxContacts)
		}
		return tx.InsertContact(c)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, exists(in.Address)
	}
	if err != nil {
		return nil, err
	}
	s.Log.Info("contact added", "account", c.AccountID, "contact", c.ID)
	return c, nil
}

// Edit replaces p's contact id with in: address, name and note.
func (s *Service) Edit(ctx context.Context, p *auth.Principal, id string, in Input) (*store.Contact, error) {
	in, err := check(in)
	if err != nil {
		return nil, err
	}
	var c *store.Contact
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		old, err := tx.ContactByID(p.Account.ID, id)
		if errors.Is(err, store.ErrNotFound) {
			return notFound(id)
		}
		if err != nil {
			return err
		}
		c = &store.Contact{ID: old.ID, AccountID: old.AccountID, Address: in.Address, Name: in.Name, Note: in.Note,
			CreatedAt: old.CreatedAt, UpdatedAt: s.Clock.Now()}
		return tx.UpdateContact(c)
	})
	if errors.Is(err, store.ErrConflict) {
		return nil, exists(in.Address)
	}
	if err != nil {
		return nil, err
	}
	s.Log.Info("contact changed", "account", c.AccountID, "contact", c.ID)
	return c, nil
}

// Remove deletes p's contact id.
func (s *Service) Remove(ctx context.Context, p *auth.Principal, id string) error {
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.ContactByID(p.Account.ID, id); errors.Is(err, store.ErrNotFound) {
			return notFound(id)
		} else if err != nil {
			return err
		}
		return tx.DeleteContact(p.Account.ID, id)
	})
	if err == nil {
		s.Log.Info("contact removed", "account", p.Account.ID, "contact", id)
	}
	return err
}
