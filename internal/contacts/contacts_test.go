package contacts_test

import (
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/contacts"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/sqlite"
)

// TestBound: an address book holds MaxContacts; one more is refused as
// too many, and after a removal there is room again.
func TestBound(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "siegel.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	now := time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC)
	acc := &store.Account{ID: "acct-1", Address: "anna.adressbuch@siegel.test", Kind: account.Person,
		Status: account.Active, CreatedAt: now}
	err = st.Update(ctx, func(tx store.Tx) error {
		if err := tx.InsertAccount(acc); err != nil {
			return err
		}
		for i := range contacts.MaxContacts {
			if err := tx.InsertContact(&store.Contact{ID: fmt.Sprint("c-", i), AccountID: acc.ID,
				Address: fmt.Sprintf("k%d@other.test", i), CreatedAt: now, UpdatedAt: now}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	s := &contacts.Service{Store: st, Clock: clock.NewFake(now), Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	p := &auth.Principal{Account: acc, Session: &store.Session{AccountID: acc.ID, Level: account.Normal}}
	_, err = s.Add(ctx, p, contacts.Input{Address: "one.more@other.test"})
	if pr := problem.As(err); pr == nil || pr.Kind != problem.TooMany || pr.Code != "contact_limit" {
		t.Fatalf("the contact past the bound: %v", err)
	}
	all, err := s.All(ctx, p)
	if err != nil || len(all) != contacts.MaxContacts {
		t.Fatalf("All = %d contacts, %v; want %d", len(all), err, contacts.MaxContacts)
	}
	if err := s.Remove(ctx, p, "c-7"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Add(ctx, p, contacts.Input{Address: "one.more@other.test"}); err != nil {
		t.Fatalf("after a removal: %v", err)
	}
	if c, err := s.Find(ctx, p, "ONE.MORE@other.test"); err != nil || c.Address != "one.more@other.test" {
		t.Fatalf("Find = %+v, %v", c, err)
	}
}
