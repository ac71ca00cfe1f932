package account

import (
	"github.com/siegel-mail/siegel/internal/problem"
)

// Status is where an account stands in its life (TR ACM-FU §3.2).
type Status string

// Account statuses.
const (
	// Pending: applied for, address reserved, identity not yet verified
	// (TR ACM-FU §3.3, §3.4).
	Pending Status = "pending"
	// AwaitingConfirmation: verified by one officer from a document typed in
	// by hand; a second officer must confirm the data (TR ACM-FU §2.3).
	AwaitingConfirmation Status = "awaiting_confirmation"
	// Verified: identity verified and the credentials for the first login
	// delivered, not yet activated (DMG §3(4) Nr. 1, 2).
	Verified Status = "verified"
	// Active: activated at the first successful login, after the mandatory
	// information was acknowledged and malware scanning consented to
	// (DMG §3(4) Nr. 3–5; TR ACM-FU §3.5).
	Active Status = "active"
	// Closed: dissolved; all account data deleted, mail refused, never
	// reopened (DMG §10(4), (6); TR ACM-FU §3.8.3).
	Closed Status = "closed"
)

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	switch s {
	case Pending, AwaitingConfirmation, Verified, Active, Closed:
		return true
	}
	return false
}

// Block is the kind of block on an account (TR ACM-FU §3.6). An account has
// at most one; a stronger one replaces a weaker.
type Block string

// Blocks.
const (
	// NoBlock: the account is not blocked.
	NoBlock Block = ""
	// FullBlock: no login, no service; incoming mail is refused with a
	// notice to the sender (DMG §10(6); TR ACM-FU §3.6.1, TR PVD-FU §3.2.1).
	FullBlock Block = "full"
	// HighBlock: access block for level high, for example after the token
	// was lost; login at normal and receiving still work (TR ACM-FU §3.6.2).
	HighBlock Block = "high"
	// NormalBlock: access block for level normal, so password-only sessions
	// are refused: after repeated wrong passwords, or at the holder's wish
	// to log in only at high (DMG §4(1) sentence 4; TR ACM-FU §3.6.2, §4.1.3).
	NormalBlock Block = "normal"
	// UsageBlock: usage restriction, read only: login and receiving work,
	// sending does not (DMG §10(1) sentence 2; TR ACM-FU §3.6.3, §3.8.2).
	UsageBlock Block = "usage"
)

// Valid reports whether b is a known block, NoBlock included.
func (b Block) Valid() bool {
	switch b {
	case NoBlock, FullBlock, HighBlock, NormalBlock, UsageBlock:
		return true
	}
	return false
}

// CanLogin decides whether an account in status s with block b may start a
// session at level. The first login happens in status Verified and activates
// the account (DMG §3(4) Nr. 5). Unknown statuses and blocks refuse.
func CanLogin(s Status, b Block, level Level) error {
	if level != Normal && level != High {
		return problem.Field("level", "syntax", "Unknown login level %q; use normal or high.", string(level))
	}
	if s == Closed {
		// TR ACM-FU §3.8.3: a closed account is never reopened.
		return problem.New(problem.Forbidden, "", "account_closed", "This account is closed.")
	}
	if b == FullBlock || !b.Valid() {
		// TR ACM-FU §3.6.1: no login while fully blocked.
		return problem.New(problem.Forbidden, "", "account_blocked", "This account is blocked; contact your provider.")
	}
	if s != Verified && s != Active {
		// DMG §3(4): no use before the identity is verified.
		return problem.New(problem.Forbidden, "", "not_verified", "This account's identity is not verified yet.")
	}
	// TR ACM-FU §3.6.2: an access block restricts only its own level.
	if (b == HighBlock && level == High) || (b == NormalBlock && level == Normal) {
		other := High
		if level == High {
			other = Normal
		}
		return problem.New(problem.Forbidden, "level", "level_blocked",
			"Login at level %s is blocked for this account; log in at %s.", string(level), string(other))
	}
	return nil
}

// CanSend decides whether an account may send messages. Only an active
// account sends (DMG §3(4)); a usage restriction or a full block stops it
// (TR ACM-FU §3.6.1, §3.6.3). Access blocks do not: they act at login.
func CanSend(s Status, b Block) error {
	if s == Closed {
		return problem.New(problem.Forbidden, "", "account_closed", "This account is closed.")
	}
	if b == FullBlock || b == UsageBlock || !b.Valid() {
		return problem.New(problem.Forbidden, "", "account_blocked",
			"This account may not send messages at present; it can still read them.")
	}
	if s != Active {
		return problem.New(problem.Forbidden, "", "not_active",
			"This account is not activated yet; log in once to activate it.")
	}
	return nil
}

// CanReceive decides whether a message may be stored in the account's
// mailbox. A closed or fully blocked account refuses it and the sender is
// told (DMG §10(6); TR ACM-FU §3.6.1, TR PVD-FU §3.2.1); access blocks and
// usage restrictions keep receiving (TR ACM-FU §3.6.2, §3.6.3). An
// application whose identity is not yet verified has no address in service
// (DMG §3(4)). A verified account receives before its first login, so the
// letters sent meanwhile wait for it; nobody can read them before that login
// (CanLogin, DMG §3(4) Nr. 5).
func CanReceive(s Status, b Block) error {
	if s == Closed {
		return problem.New(problem.Forbidden, "", "closed_account", "The recipient's account is closed.")
	}
	if b == FullBlock || !b.Valid() {
		return problem.New(problem.Forbidden, "", "blocked_recipient", "The recipient's account is blocked.")
	}
	if s != Verified && s != Active {
		return problem.New(problem.NotFound, "", "unknown_recipient", "The recipient's address is not in service.")
	}
	return nil
}

// transitions lists, for each status, the statuses it may change to.
func transitions(from Status) []Status {
	switch from {
	case Pending:
		// Manual entry needs a second officer; an electronic check verifies
		// at once (TR ACM-FU §2.3). The applicant may withdraw, or the
		// reservation lapses after 6 weeks (TR ACM-FU §3.4).
		return []Status{AwaitingConfirmation, Verified, Closed}
	case AwaitingConfirmation:
		// The second officer confirms, or rejects the entry back to pending.
		return []Status{Verified, Pending, Closed}
	case Verified:
		// The first successful login activates (DMG §3(4) Nr. 5).
		return []Status{Active, Closed}
	case Active:
		// Blocks are not statuses; an active account ends only by closing
		// (DMG §10(4)).
		return []Status{Closed}
	}
	// Closed: never reopened (TR ACM-FU §3.8.3).
	return nil
}

// CheckTransition decides whether an account may change from status from to
// status to.
func CheckTransition(from, to Status) error {
	if !from.Valid() {
		return problem.Field("status", "syntax", "Unknown account status %q.", string(from))
	}
	if !to.Valid() {
		return problem.Field("status", "syntax", "Unknown account status %q.", string(to))
	}
	for _, s := range transitions(from) {
		if s == to {
			return nil
		}
	}
	return problem.New(problem.Conflict, "status", "transition_not_allowed",
		"An account cannot change from %s to %s.", string(from), string(to))
}
