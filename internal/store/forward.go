package store

import "time"

// ForwardTx keeps the two ways a letter addressed to one account reaches
// another address: the holder's automatic forwarding (TR PVD-FU §3.1.3.2,
// DMG §5(11)), one setting per account, which package mailbox follows
// whenever a letter is stored in the holder's inbox; and the forwarding
// order of a closed account (TR PVD-FU §3.1.3.3), made with the closure,
// which sends the account's letters to another address instead. The store
// keeps what package mailbox and registration decided and checks no
// address; each record belongs to one account, which must exist (a store
// may enforce that).
type ForwardTx interface {
	// Forwarding is accountID's automatic forwarding; ErrNotFound when it
	// has none.
	Forwarding(accountID string) (*Forwarding, error)
	// SetForwarding stores f as its account's one setting, replacing the
	// one it had.
	SetForwarding(f *Forwarding) error
	// DeleteForwarding removes accountID's setting; none is no error.
	DeleteForwarding(accountID string) error

	// InsertForwardingOrder stores a closed account's forwarding order;
	// ErrConflict when the account has one.
	InsertForwardingOrder(o *ForwardingOrder) error
	// ForwardingOrder is accountID's forwarding order, expired or not;
	// ErrNotFound when it has none.
	ForwardingOrder(accountID string) (*ForwardingOrder, error)
}

// Forwarding is an account's automatic forwarding: a copy of every letter
// stored in its inbox goes to Target (TR PVD-FU §3.1.3.2).
type Forwarding struct {
	AccountID string
	// Target is a registered-mail address, here or at another accredited
	// provider, lower case.
	Target string
	// ExcludePersonal: personal letters are not forwarded; the target gets
	// a notice of their arrival instead (DMG §5(11) second sentence).
	ExcludePersonal bool
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ForwardingOrder sends the letters addressed to a closed account to Target
// until Until: no copy is kept for the closed account, and the mailbox of
// Target confirms their receipt (TR PVD-FU §3.1.3.3).
type ForwardingOrder struct {
	AccountID string
	Target    string
	CreatedAt time.Time
	Until     time.Time
}

// EventRedirected: a copy held for another provider was not taken there
// because its recipient's account is closed with a forwarding order; the
// letter went on to the order's address in a copy of its own (TR PVD-FU
// §3.1.3.3; RFC 5321 §3.4, reply 551).
const EventRedirected = "redirected"
