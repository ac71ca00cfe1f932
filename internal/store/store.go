// Package store is Siegel's one storage API: the records a provider keeps (accounts,
// their tamper-evident history, sessions, letters, mailbox copies and the events that
// confirmations prove) and the transaction contract that keeps them consistent.
// Implementations live in subpackages (store/sqlite for one machine,
// store/postgres for a provider of many nodes) and must pass the conformance
// suite in store/storetest. The store holds no business
// rules: it keeps what the domain packages decided.
//
// # Transactions
//
// Every write goes through Store.Update, and Update returns only after the
// write is durable: nothing is reported as accepted before that. The embedded
// store (store/sqlite) groups concurrent Updates into one database transaction
// and one commit, so that many letter accepts share a single fsync (DESIGN
// "Storage"); each function runs in its own savepoint inside the group, so
// that when it returns an error only its own writes are undone and only its
// caller sees the error. The server store (store/postgres) runs each Update in
// a serializable transaction of its own and leaves grouping to PostgreSQL's
// commit; it retries a function whose transaction lost a serialization race.
//
// Functions passed to Update may run more than once (a group is retried with
// savepoints when one of its functions fails; on PostgreSQL a serialization
// failure reruns the function, and so does a function that carried on after
// a failed statement, then with a savepoint per statement), so they must not depend on what an earlier run left in
// memory. They must do nothing but database work through the Tx they get: blob
// writes happen before (blobs are synced by the PreCommit hook before the
// commit that references them), network calls after.
package store

import (
	"context"
	"errors"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("store: not found")

// ErrConflict is returned when a write would break a uniqueness rule
// (an address or message id already taken).
var ErrConflict = errors.New("store: conflict")

// ErrUnavailable wraps failures to reach the database (a restart, a lost
// connection, a failover): temporary. A transaction cut off before its COMMIT
// was sent did not happen; one cut off during the COMMIT may have (the server
// cannot tell), which the caller learns by looking. Answered as 503.
var ErrUnavailable = errors.New("store: database unavailable")

// Store is the storage of one provider.
type Store interface {
	// Update runs fn in a write transaction (on SQLite grouped with
	// concurrent Updates) and returns when it is durable.
	Update(ctx context.Context, fn func(Tx) error) error
	// View runs fn in a read-only snapshot.
	View(ctx context.Context, fn func(Tx) error) error
	// Peek runs fn, which makes exactly one read, outside a transaction: a
	// single statement sees one consistent state on every engine, and
	// skipping BEGIN and ROLLBACK makes the read behind every request (the
	// session and its account) cheaper. A write in fn fails; a second
	// statement is a programming error and panics.
	Peek(ctx context.Context, fn func(Tx) error) error
	// SchemaVersion is the number of the newest migration applied.
	SchemaVersion(ctx context.Context) (int, error)
	Close() error
}

// Tx is what a transaction can do. Read methods work in View and Update; write
// methods fail in View.
type Tx interface {
	AccountTx
	OfficerTx
	SessionTx
	LetterTx
	EvidenceTx
	QueueTx
	PasskeyTx // passkey.go
	ContactTx // contact.go
	FolderTx  // folder.go
	SearchTx  // search.go
	QuotaTx   // quota.go
	ForwardTx // forward.go
}

// AccountTx reads and writes accounts and their history.
type AccountTx interface {
	InsertAccount(a *Account) error // ErrConflict when the address is taken
	UpdateAccount(a *Account) error
	AccountByID(id string) (*Account, error)
	AccountByAddress(addr string) (*Account, error)
	// AccountState is the little the accept transaction re-checks of an
	// account, by id or (when id is "") by address.
	AccountState(id, addr string) (*AccountState, error)
	// ListAccounts lists accounts in a status ("" for all), oldest first, after the
	// given id for paging.
	ListAccounts(status account.Status, after string, limit int) ([]Account, error)
	// AddressTaken reports whether addr belongs to an account or was released
	// after since (DMG §3(4): a released address is not given to another person for
	// 30 years).
	AddressTaken(addr string, since time.Time) (bool, error)
	ReleaseAddress(addr string, at time.Time) error
	// AppendHistory stores a sealed entry; Seq must follow the account's last one.
	AppendHistory(e account.Entry) error
	LastHistory(accountID string) (account.Entry, error) // ErrNotFound when empty
	History(accountID string) ([]account.Entry, error)
	// DailyUsage is what an account sent at normal level on day.
	DailyUsage(accountID, day string) (messages, recipients int, err error)
	AddDailyUsage(accountID, day string, messages, recipients int) error
}

// OfficerTx keeps the provider's registration officers and operators.
type OfficerTx interface {
	InsertOfficer(o *Officer) error
	OfficerByTokenHash(hash string) (*Officer, error)
	OfficerByID(id string) (*Officer, error)
}

// SessionTx keeps login sessions.
type SessionTx interface {
	InsertSession(s *Session) error
	SessionByTokenHash(hash string) (*Session, error)
	// SessionAccount is a session with its account, in one read: every
	// authenticated request needs both.
	SessionAccount(hash string) (*Session, *Account, error)
	UpdateSession(s *Session) error
	// AccountSessions lists an account's sessions, ended ones that no
	// cleanup has removed yet included, newest first (CreatedAt, then
	// TokenHash): the holder's list of where the account is logged in,
	// which they may end one by one (SPEC Accounts). Nothing is no error.
	AccountSessions(accountID string) ([]Session, error)
	DeleteSession(tokenHash string) error
	DeleteAccountSessions(accountID string) error
	// DeleteExpiredSessions deletes up to limit sessions that have ended
	// by now: ExpiresAt before now, or LastSeen before idleSince. It returns
	// how many it deleted.
	DeleteExpiredSessions(now, idleSince time.Time, limit int) (int, error)
}

// LetterTx keeps letters, mailbox copies and events.
type LetterTx interface {
	InsertLetter(l *Letter) error // ErrConflict on a duplicate message id
	LetterByID(id string) (*Letter, error)
	// LetterByMessageID finds a letter by its message id (unique, see
	// InsertLetter); ErrNotFound when none. The receiving side of a handover
	// between providers deduplicates by it.
	LetterByMessageID(messageID string) (*Letter, error)
	// InsertCopy inserts copies; several at once cost less than one by one.
	InsertCopy(cs ...*Copy) error
	CopyByID(id string) (*Copy, error)
	UpdateCopy(c *Copy) error
	DeleteCopy(id string) error
	// ListCopies lists an account's copies in a folder, newest first; page
	// after (Arrived, ID) of the previous page's last entry.
	ListCopies(accountID string, folder Folder, before *Cursor, limit int) ([]Copy, error)
	// PendingPickups lists an account's received copies of letters with pickup
	// confirmation that are not picked up yet.
	PendingPickups(accountID string) ([]Copy, error)
	// CopiesOfLetter lists every copy of a letter: those in mailboxes here
	// and those held for another provider (Copy.Remote).
	CopiesOfLetter(letterID string) ([]Copy, error)
	// Body returns the sealed body kept with a letter (Letter.BodyInline).
	Body(letterID string) ([]byte, error)
	// CountLetterBlobRefs counts letters that still reference a blob.
	CountLetterBlobRefs(blobID string) (int, error)
	DeleteLetter(id string) error
	// InsertEvent inserts events, several at once if given.
	InsertEvent(es ...*Event) error
	Events(letterID string) ([]Event, error)
}

// QueueTx keeps the durable work queue and the named leases that let any node
// of a provider do a piece of work, and exactly one node at a time.
//
// A job is leased, not taken: LeaseJobs marks it with the node and a lease
// expiry and counts the attempt. The node finishes it with CompleteJob or
// reschedules it with RetryJob, naming the attempt it leased; once the lease
// has expired another node may lease the job again (attempt+1), and the first
// node's CompleteJob or RetryJob then fails with ErrLeaseLost, so that a node
// that stalled past its lease cannot overwrite the newer attempt's outcome.
// On PostgreSQL, concurrent LeaseJobs skip each other's rows (FOR UPDATE SKIP
// LOCKED) instead of waiting.
type QueueTx interface {
	// Enqueue adds jobs; ErrConflict when a job of the same kind and key
	// exists, so that enqueueing is idempotent.
	Enqueue(jobs ...*Job) error
	// LeaseJobs leases up to limit jobs of kind that are due (RunAt <= now)
	// and not under an unexpired lease, oldest RunAt first, to node until
	// until, and returns them with Attempts already counted.
	LeaseJobs(kind, node string, now, until time.Time, limit int) ([]Job, error)
	// CompleteJob removes a job leased by node in attempt; ErrLeaseLost when
	// the job is gone or leased again since.
	CompleteJob(id, node string, attempt int) error
	// RetryJob ends node's lease of attempt and makes the job due again at
	// at, keeping reason as its last error; ErrLeaseLost as for CompleteJob.
	RetryJob(id, node string, attempt int, at time.Time, reason string) error
	// JobByKey returns the job of kind with key; ErrNotFound when none.
	JobByKey(kind, key string) (*Job, error)
	// CountJobs counts the jobs of kind, leased or not.
	CountJobs(kind string) (int, error)
	// ListJobs lists up to limit jobs of kind ("" for every kind), the
	// earliest due first (RunAt, then ID), after the previous page's last
	// (nil for the first page); with failing, only jobs whose last attempt
	// failed (LastError set).
	ListJobs(kind string, failing bool, after *JobCursor, limit int) ([]Job, error)
	// RescheduleJob makes a job that no node leases at now due at at: an
	// operator's retry of a job waiting out its backoff. ErrNotFound when
	// there is no such job, ErrConflict while a node holds its lease.
	RescheduleJob(id string, now, at time.Time) error

	// AcquireLease takes or renews the named lease for holder until until,
	// when it is free, expired (at now) or already holder's. It reports
	// whether holder has the lease. Scheduled work (deadlines, deemed
	// service, trust-list refresh) runs under such a lease on one node at a
	// time, and passes to another node when its holder dies.
	AcquireLease(name, holder string, now, until time.Time) (bool, error)
	// ReleaseLease gives the lease up if holder has it.
	ReleaseLease(name, holder string) error
}

// EvidenceTx keeps the signed evidence of letters' events. Evidence is kept
// when its letter is finally deleted: it is the sender's proof, not mail.
type EvidenceTx interface {
	// InsertEvidence stores signed evidence; ErrConflict when the event
	// already has evidence about that copy, so that a job that ran twice
	// stores one.
	InsertEvidence(e *Evidence) error
	EvidenceByID(id string) (*Evidence, error)
	// EvidenceOfLetter lists a letter's evidence in the order of its events.
	EvidenceOfLetter(letterID string) ([]Evidence, error)
}

// Evidence is a signed, time-stamped evidence file about one event in a
// letter's life, and the confirmation message that carried it.
type Evidence struct {
	ID       string // the document's EvidenceIdentifier
	LetterID string
	// CopyID is the recipient's copy the evidence is about (each evidence
	// names one recipient).
	CopyID  string
	EventID string // the store.Event it proves
	// Event is the ETSI EN 319 522 event name, e.g. "SubmissionAcceptance".
	Event string
	At    time.Time // the event's time
	File  []byte    // DER CMS SignedData (CAdES B-T): the .p7m
	// ConfirmationID is the letter id of the confirmation message.
	ConfirmationID string
	CreatedAt      time.Time
}

// ErrLeaseLost is returned when a node acts on a job it no longer leases.
var ErrLeaseLost = errors.New("store: lease lost")

// JobCursor marks a position in a listing of jobs.
type JobCursor struct {
	RunAt time.Time
	ID    string
}

// Job is one piece of queued work.
type Job struct {
	ID   string
	Kind string // what to do: "deliver", …
	// Key names what the job is about (a copy id, a letter id); unique per
	// kind.
	Key        string
	Payload    []byte
	RunAt      time.Time // due from
	Attempts   int       // leases so far, this one included
	LeasedBy   string    // the node holding the lease; "" when none
	LeaseUntil time.Time
	LastError  string
	CreatedAt  time.Time
}

// Account is a registered-mail account. Holder data is kept as JSON of
// account.Person or account.Organisation; it is deleted when the account closes.
type Account struct {
	ID            string
	Address       string
	Kind          account.Kind
	Pseudonym     bool
	DisplayName   string
	Holder        []byte // JSON
	FormalService bool
	Status        account.Status
	Block         account.Block
	BlockReason   string
	// Identity verification (DMG §3(2)): method, document, officer, time.
	Verification []byte // JSON of account.Verification
	ConfirmedBy  string // second officer for manual entries
	ConfirmedAt  time.Time
	// Consents given at application (SPEC "Activation").
	InfoAcknowledged bool
	MalwareConsent   bool
	// Credentials.
	PasswordHash string
	TOTPSecret   []byte // sealed with the provider's key
	// TOTPPending is a new secret awaiting confirmation; the enabled one keeps
	// working until the new one is confirmed.
	TOTPPending  []byte
	TOTPEnabled  bool
	TOTPLastStep int64
	// Passkeys is how many passkeys the account has (PasskeyTx): filled
	// by every read of an account, ignored by InsertAccount and
	// UpdateAccount, which leave the passkeys as they are.
	Passkeys int
	// Lockout state (SPEC: temporary lock after 3 failures).
	Failures    int
	Lockouts    int
	LockedUntil time.Time
	LastLockAt  time.Time

	CreatedAt   time.Time
	VerifiedAt  time.Time
	ActivatedAt time.Time
	ClosedAt    time.Time
}

// AccountState is what decides whether an account may send and receive.
type AccountState struct {
	ID          string
	Status      account.Status
	Block       account.Block
	TOTPEnabled bool
	// HasPasskey: the account has at least one passkey (PasskeyTx).
	HasPasskey bool
}

// SecondFactor reports whether the account has a second factor to log in
// at high with: TOTP or a passkey (SPEC Accounts).
func (a *Account) SecondFactor() bool { return a.TOTPEnabled || a.Passkeys > 0 }

// SecondFactor reports whether the account has a second factor to log in
// at high with: TOTP or a passkey (SPEC Accounts).
func (a *AccountState) SecondFactor() bool { return a.TOTPEnabled || a.HasPasskey }

// Officer is a registration officer or an operator.
type Officer struct {
	ID        string
	Name      string
	Role      string // "officer" or "operator"
	TokenHash string
	CreatedAt time.Time
}

// Session is a login session; the bearer token is stored only as its hash.
type Session struct {
	TokenHash string
	AccountID string
	Level     account.Level
	CreatedAt time.Time
	LastSeen  time.Time
	ExpiresAt time.Time
}

// Folder is a mailbox folder: one of the system folders below, or a folder
// the holder made (FolderTx), encoded as "f:" and the folder's id
// (UserFolder, Folder.UserFolderID). Copies filed in a holder's folder are
// letters from Inbox or Sent; where each goes back to follows from its Role
// (package mailbox), so the encoding needs no second column.
type Folder string

// The folders of a mailbox.
const (
	Inbox Folder = "inbox"
	Sent  Folder = "sent"
	Trash Folder = "trash"
	// Confirmations holds the confirmation messages (TR PVD-FU §3.3), apart
	// from the letters they confirm.
	Confirmations Folder = "confirmations"
	// Relay holds the copies waiting for, or done with, their handover to
	// another provider (Copy.Remote). It is no folder of a mailbox: such a
	// copy belongs to no account here, and ListCopies of any account never
	// lists it.
	Relay Folder = "relay"
)

// Letter is a registered message as submitted; its body is an immutable blob.
type Letter struct {
	ID            string
	MessageID     string // X-de-mail-message-id
	SenderID      string // account id
	SenderAddress string
	Subject       string
	// Options (DMG §5).
	Personal             bool
	SenderConfirmed      bool
	DispatchConfirmation bool
	ReceiptConfirmation  bool
	PickupConfirmation   bool
	PrivateID            string
	AuthLevel            account.Level
	Recipients           []byte // JSON {"to":[],"cc":[],"bcc":[]}
	Attachments          int
	BodyBlob             string
	// BodyInline: the body is kept, sealed, in the letter's row rather than the
	// blob store; BodySealed carries it into InsertLetter (scans leave it nil:
	// read it with Body).
	BodyInline  bool
	BodySealed  []byte
	BodySize    int64
	BodyHash    []byte // SHA-256 of the body: the integrity value
	SubmittedAt time.Time
}

// Copy is one mailbox's copy of a letter: the sender's in Sent, each recipient's
// in Inbox; or, in Relay, a copy this provider holds only to hand it over to
// another provider (Remote). Its header block differs per copy (bcc is shown only to
// the sender and to that bcc recipient, TR PVD-IO §3.1).
type Copy struct {
	ID        string
	LetterID  string
	AccountID string
	Folder    Folder
	// Remote is the address of a recipient (or, for a confirmation, a
	// sender) at another provider, whose copy this provider holds only to
	// hand it over to that provider; such a copy has AccountID "" and Folder
	// Relay. "" for copies in a mailbox here.
	Remote string
	// PrevFolder is where a copy in the trash came from.
	PrevFolder Folder
	// Origin is, for a copy the holder made of their copy into one of
	// their folders (TR PVD-FU §3.1.3.7), the id of the copy it was made
	// from; "" for a copy that arrived. Evidence and pickups name the
	// copy that arrived (Source).
	Origin    string
	Role      string // "sender", "to", "cc", "bcc"
	Header    []byte
	Arrived   time.Time
	FirstRead time.Time
	// AwaitsPickup marks a recipient's copy of a letter with pickup
	// confirmation; PendingPickups lists those not picked up yet.
	AwaitsPickup bool
	// PickedUp is, for a letter with pickup confirmation, the recipient's first
	// login at high after its arrival: the event the pickup confirmation proves
	// (DMG §5(9)).
	PickedUp  time.Time
	TrashedAt time.Time
	// Letter is filled by CopyByID and ListCopies.
	Letter *Letter
}

// Source is the id of the copy that arrived: c's own, or its Origin's
// when the holder made c as a copy of that.
func (c *Copy) Source() string {
	if c.Origin != "" {
		return c.Origin
	}
	return c.ID
}

// Cursor marks a position in a newest-first listing.
type Cursor struct {
	Arrived time.Time
	ID      string
}

// Event kinds: the facts that confirmations will prove (DMG §5(7)–(9)).
const (
	EventAccepted = "accepted"  // left the sender's mailbox (dispatch)
	EventStored   = "stored"    // stored in a recipient's mailbox (receipt)
	EventPickedUp = "picked_up" // first login at high after arrival (pickup, DMG §5(9))
	// EventDeemedServed: a letter of formal service not picked up is deemed
	// served on the third day after dispatch (VwZG §5a(4)).
	EventDeemedServed = "deemed_served"
	EventTrashed      = "trashed" // moved to the trash
	EventDeletedFinal = "deleted" // finally deleted
	// A copy held for another provider (Folder Relay) was handed over to
	// it, or could not be: refused there, or not taken by the deadline.
	EventRelayed     = "relayed"
	EventRelayFailed = "relay_failed"
	// The sender was told the handover is late (4 h after dispatch).
	EventRelayWarned = "relay_warned"
)

// Event is a recorded fact about a letter with its time.
type Event struct {
	ID        string
	LetterID  string
	CopyID    string // "" for letter-wide events
	AccountID string // whose mailbox, or the sender for accepted
	Kind      string
	At        time.Time
	Level     account.Level
}
