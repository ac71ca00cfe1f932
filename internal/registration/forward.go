package registration

import (
	"time"

	"github.com/siegel-mail/siegel/internal/store"
)

// FieldForwardTo is the field of a closure's forwarding order in requests
// and refusals.
const FieldForwardTo = "forward_to"

// OrderPeriod is how long a forwarding order lasts: "während einer
// festgelegten Übergangszeit" (TR PVD-FU §3.1.3.3); half a year, as the
// postal forwarding order's shortest term. Package mailbox follows an
// order until its end.
const OrderPeriod = 183 * 24 * time.Hour

// order makes closing's forwarding order to target, in the closure's
// transaction, for OrderPeriod from now.
func (s *Service) order(tx store.Tx, closing *store.Account, target string, now time.Time) (*store.ForwardingOrder, error) {
	addr, err := s.CheckOrderTarget(tx, closing, target, FieldForwardTo)
	if err != nil {
		return nil, err
	}
	o := &store.ForwardingOrder{AccountID: closing.ID, Target: addr, CreatedAt: now, Until: now.Add(OrderPeriod)}
	return o, tx.InsertForwardingOrder(o)
}
