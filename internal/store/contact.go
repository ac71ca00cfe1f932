package store

import "time"

// ContactTx keeps the holders' address books: personal contacts, which the
// web mailbox offers while composing (TR PVD-FU §3.1.3.5). A contact
// belongs to one account, which must exist (a store may enforce that), and
// only that account's holder ever sees it; the store keeps what package
// contacts decided and checks no address.
type ContactTx interface {
	// InsertContact stores a new contact; ErrConflict when its id is
	// taken or the account has a contact with the same address.
	InsertContact(c *Contact) error
	// ContactByID finds accountID's contact id; ErrNotFound when there is
	// none, or it is another account's.
	ContactByID(accountID, id string) (*Contact, error)
	// ContactByAddress finds accountID's contact with address addr;
	// ErrNotFound when none.
	ContactByAddress(accountID, addr string) (*Contact, error)
	// AccountContacts lists up to limit of an account's contacts by Name,
	// then Address (both compared bytewise), after the previous page's
	// last (nil for the first page). Nothing is no error.
	AccountContacts(accountID string, after *ContactCursor, limit int) ([]Contact, error)
	// CountContacts counts an account's contacts.
	CountContacts(accountID string) (int, error)
	// UpdateContact stores c's Address, Name, Note and Updated for the
	// contact c.ID of c.AccountID; ErrConflict when the account has
	// another contact with that address. One that does not exist is no
	// error.
	UpdateContact(c *Contact) error
	// DeleteContact deletes accountID's contact id; one that does not
	// exist, or is another account's, is left alone and no error.
	DeleteContact(accountID, id string) error
	// DeleteAccountContacts deletes every contact of an account (when it
	// closes: the address book is the holder's personal data).
	DeleteAccountContacts(accountID string) error
}

// Contact is one entry of a holder's address book.
type Contact struct {
	ID        string
	AccountID string
	// Address is a registered-mail address, unique within the account.
	Address string
	// Name is how the holder names the contact; "" when they gave none.
	Name      string
	Note      string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// ContactCursor marks a position in a listing of contacts: the previous
// page's last Name and Address.
type ContactCursor struct {
	Name, Address string
}
