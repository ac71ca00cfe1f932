// Package confirmation issues a provider's confirmations (DMG §5(7)–(9); TR
// PVD-FU §3.3): for each event a letter's options ask to confirm, the signed,
// time-stamped evidence file (package evidence) and the confirmation message
// that carries it, from the reserved system address into the sender's
// mailbox, with a copy to the recipient where SPEC asks for one; and the
// notices that tell a recipient of formal service what is about to happen.
//
// The events are recorded, and the work queued, by package mailbox in the
// transaction of the event itself; this package does the work from the
// queue (store.QueueTx), so that signing and time-stamping, which may ask an
// authority's TSA over the network, never hold up an accept or a login. The
// evidence and the message are made before the transaction and stored in it,
// with the job's completion: a node that dies in between leaves the job to
// another node, which signs afresh, and the store keeps one evidence per
// event and copy (store.EvidenceTx), so each event is confirmed exactly once.
package confirmation

import (
	"log/slog"
	"time"

	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/evidence"
	"github.com/siegel-mail/siegel/internal/mailbox"
	"github.com/siegel-mail/siegel/internal/store"
)

// Service issues one provider's confirmations.
type Service struct {
	Store store.Store
	// Mail stores the messages' bodies, as it stores letters'.
	Mail   *mailbox.Service
	Clock  clock.Clock
	Domain string // the provider's mail domain
	Name   string // the provider's name, as in evidence
	Seal   evidence.Signer
	TSA    evidence.Timestamper
	// Location is the provider's time zone, for the times in notices.
	Location *time.Location
	Log      *slog.Logger
}
