// Package mailbox carries registered letters between the mailboxes of one
// provider: submission with every dispatch option enforced (DMG §5; TR PVD-FU
// §3.3), the atomic accept (DESIGN "Where a letter goes"), listing, opening with
// the personal rule, and two-stage deletion with its guards.
//
// # Accept
//
// A letter is accepted in one step: its body is written once as an immutable
// blob, then one transaction inserts the letter, the sender's copy in Sent, each
// recipient's copy in Inbox, and the events that confirmations will prove
// (accepted, stored in mailbox). The store groups concurrent accepts into one
// commit and syncs the blobs before it; Submit returns only after that commit is
// durable. If the transaction fails, nothing refers to the blob and the letter
// does not exist.
package mailbox

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/letter"
	"github.com/siegel-mail/siegel/internal/malware"
	"github.com/siegel-mail/siegel/internal/store"
)

// DeleteGuard is how long a letter with receipt or pickup confirmation cannot be
// deleted at normal (SPEC "Dispatch options": 90 days).
const DeleteGuard = 90 * 24 * time.Hour

// Service is the mailbox service of one provider.
type Service struct {
	Store store.Store
	Blobs blob.Store
	// Sealer encrypts bodies of at most InlineMax bytes, which are kept in the
	// database and committed with their letter: one fsync per group of accepts
	// instead of a file per letter and a filesystem flush.
	Sealer    *blob.Sealer
	InlineMax int
	Clock     clock.Clock
	Domain    string
	Limits    account.DailyLimit
	// Location is where the daily limit's day begins and ends.
	Location *time.Location
	// MaxMessageBytes bounds text plus attachments (SPEC: at least 20 MiB).
	MaxMessageBytes int64
	// DefaultQuota is a mailbox's storage quota in bytes unless an officer
	// set its own (quota.go; SPEC "Limits": at least 100 MiB).
	DefaultQuota int64
	// Seal signs sender-confirmed letters (TR PVD-IO §3.4); nil on a
	// provider without one, which then refuses that option.
	Seal letter.Sealer
	// Peers says which other domains belong to accredited providers (the
	// authority's trust list); nil on a provider outside any federation,
	// which then carries letters between its own mailboxes only.
	Peers Peers
	// Scanner scans letters for malware on submission and on arrival
	// (TR PVD-FU §3.1.3.1; malware.go); nil when the operator turned
	// scanning off (config malware.scanning = "off").
	Scanner malware.Scanner
	Log     *slog.Logger
}

// Peers knows the federation this provider belongs to.
type Peers interface {
	// Accredited returns nil when domain is an accredited provider this
	// provider can hand letters to, and otherwise says why not.
	Accredited(domain string) error
}

// StoreBody writes a letter's body where it belongs by size and fills in the
// letter's reference. An inline body is written by the accept transaction.
func (s *Service) StoreBody(ctx context.Context, l *store.Letter, body []byte) error {
	l.BodySize = int64(len(body))
	if len(body) <= s.InlineMax {
		id, sealed, err := s.Sealer.Seal(body)
		if err != nil {
			return fmt.Errorf("seal body: %w", err)
		}
		l.BodyBlob, l.BodyInline, l.BodySealed = string(id), true, sealed
		return nil
	}
	id, err := s.Blobs.Put(ctx, body)
	if err != nil {
		return fmt.Errorf("store body: %w", err)
	}
	l.BodyBlob = string(id)
	return nil
}

// Body reads a letter's body from wherever it is kept.
func (s *Service) Body(ctx context.Context, l *store.Letter) ([]byte, error) {
	if !l.BodyInline {
		return s.Blobs.Get(ctx, blob.ID(l.BodyBlob))
	}
	var sealed []byte
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		sealed, err = tx.Body(l.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.Sealer.Open(blob.ID(l.BodyBlob), sealed)
}
