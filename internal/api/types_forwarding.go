package api

import "time"

// Forwarding is the holder's automatic forwarding (TR PVD-FU §3.1.3.2; DMG
// §5(11)): every letter stored in the inbox is kept there and a copy goes
// to the target, from the holder's address, asking for no confirmations
// (the receipt is confirmed by this mailbox alone). Letters with pickup
// confirmation, and personal letters when exclude_personal is set, are
// not forwarded: the target gets a notice of their arrival instead.
type Forwarding struct {
	Enabled         bool      `json:"enabled"`                    // false: no forwarding is set, and the other fields are absent
	Target          string    `json:"target,omitempty"`           // the registered-mail address letters are forwarded to, here or at another accredited provider
	ExcludePersonal bool      `json:"exclude_personal,omitempty"` // personal letters are not forwarded; the target gets a notice instead
	CreatedAt       time.Time `json:"created_at,omitzero"`        // when the forwarding was first set
	UpdatedAt       time.Time `json:"updated_at,omitzero"`        // when it was last changed
}

// ForwardingRequest sets or changes the automatic forwarding; it needs a
// session at high (DMG §5(11)).
type ForwardingRequest struct {
	// Target is a registered-mail address other than your own: an account
	// here that can receive, or an address at an accredited provider; not
	// one whose forwarding leads back to you.
	Target string `json:"target"`
	// ExcludePersonal keeps personal letters from being forwarded; the
	// target gets a notice of their arrival instead.
	ExcludePersonal bool `json:"exclude_personal,omitempty"`
}
