package store

import "time"

// PasskeyTx keeps the accounts' passkeys: WebAuthn credentials, a second
// factor for level high beside TOTP (SPEC Accounts: two independent
// factors, one-time data: TOTP or a WebAuthn passkey). The store keeps
// what package auth verified; it checks no signature and no counter.
//
// A passkey belongs to one account, which must exist (a store may enforce
// that, as it does for a session's account). Writing a passkey counts as
// writing its account for AccountState: an account's HasPasskey and
// Passkeys follow its passkeys at once, inside the same transaction too.
type PasskeyTx interface {
	// InsertPasskey stores a new passkey; ErrConflict when its credential
	// id is registered already, to this account or another.
	InsertPasskey(p *Passkey) error
	// PasskeyByID finds a passkey by its credential id; ErrNotFound when
	// none has it.
	PasskeyByID(id []byte) (*Passkey, error)
	// AccountPasskeys lists an account's passkeys, oldest first
	// (CreatedAt, then ID). Nothing is no error.
	AccountPasskeys(accountID string) ([]Passkey, error)
	// UpdatePasskey records a use of the passkey with p's credential id:
	// its SignCount, Flags, LastUsed and Name; the other fields stay as
	// they were stored. A passkey that does not exist is no error.
	UpdatePasskey(p *Passkey) error
	// DeletePasskey deletes the passkey with credential id id if it is
	// accountID's; one that does not exist, or is another account's, is
	// left alone and no error.
	DeletePasskey(accountID string, id []byte) error
	// DeleteAccountPasskeys deletes every passkey of an account (when it
	// closes).
	DeleteAccountPasskeys(accountID string) error
}

// Passkey is a WebAuthn credential registered as an account's second
// factor: the public half of a key pair whose private half stays in the
// holder's authenticator (W3C WebAuthn Level 3, §4 "credential record").
type Passkey struct {
	// ID is the credential id the authenticator chose (raw bytes, at most
	// 1023): unique among all accounts.
	ID        []byte
	AccountID string
	// RPID is the relying party id, the web host name, the passkey was
	// registered for: authenticators offer it there only.
	RPID string
	// Name is the holder's name for it, to tell their passkeys apart.
	Name string
	// PublicKey is the credential public key as a COSE_Key (RFC 9052).
	PublicKey []byte
	// SignCount is the authenticator's signature counter at the last use
	// (an unsigned 32-bit number); 0 for authenticators that count nothing.
	SignCount int64
	// AAGUID names the authenticator's model (16 bytes; zeros when the
	// authenticator does not say).
	AAGUID []byte
	// Transports are how the browser reaches the authenticator ("internal",
	// "usb", "hybrid", …), as the browser reported them at registration.
	Transports []string
	// Flags are the authenticator data flags of the last ceremony (user
	// present and verified, backup eligible and backed up: one octet).
	Flags     int
	CreatedAt time.Time
	// LastUsed is the last step-up with the passkey; zero before the first.
	LastUsed time.Time
}
