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
	"log/slog"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/blob"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/store"
)

// DeleteGuard is how long a letter with receipt or pickup confirmation cannot be
// deleted at normal (SPEC "Dispatch options": 90 days).
const DeleteGuard = 90 * 24 * time.Hour

// Service is the mailbox service of one provider.
type Service struct {
	Store  store.Store
	Blobs  blob.Store
	Clock  clock.Clock
	Domain string
	Limits account.DailyLimit
	// Location is where the daily limit's day begins and ends.
	Location *time.Location
	// MaxMessageBytes bounds text plus attachments (SPEC: at least 20 MiB).
	MaxMessageBytes int64
	Log             *slog.Logger
}
