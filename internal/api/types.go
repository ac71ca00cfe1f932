package api

import (
	"encoding/json"
	"time"
)

// The wire types of API version 1. docs/api.md is generated from these and the
// route table; field names are snake_case, times RFC 3339 in UTC, binary data
// base64.

// ErrorBody is every error response: which field broke which rule.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail names the rule (code), says it for a person (message) and names the
// request field when one is at fault.
type ErrorDetail struct {
	Code    string `json:"code"`            // stable and machine-readable: "required", "too_long", "login_level" …
	Message string `json:"message"`         // one sentence for a person
	Field   string `json:"field,omitempty"` // the request field at fault, such as "person.surname" or "attachments[2].filename"; absent when none
}

// Person is a natural person's data (SPEC Accounts).
type Person struct {
	FirstNames string `json:"first_names"` // as on the identity document; empty or "---" when it shows none
	Surname    string `json:"surname"`     // including titles of nobility
	BirthDate  string `json:"birth_date"`  // YYYY-MM-DD
	BirthPlace string `json:"birth_place"` // place of birth
	Street     string `json:"street"`      // street and number of the main residence
	Postcode   string `json:"postcode"`    // five digits in Germany
	Town       string `json:"town"`        // including the district: "Town – District"
	Country    string `json:"country"`     // ISO 3166-1 alpha-2
}

// Organisation is an organisation's or authority's data (SPEC Accounts).
type Organisation struct {
	Name            string   `json:"name"`                      // name or designation, including the short legal form ("Muster GmbH")
	LegalForm       string   `json:"legal_form"`                // "GmbH", "eingetragener Verein", "Körperschaft des öffentlichen Rechts" …
	Street          string   `json:"street"`                    // street and number of the seat or head office
	Postcode        string   `json:"postcode"`                  // postcode of the seat
	Town            string   `json:"town"`                      // town of the seat
	Country         string   `json:"country"`                   // ISO 3166-1 alpha-2
	RegisterType    string   `json:"register_type,omitempty"`   // register data, all three or none: "Handelsregister B", "Vereinsregister" …
	RegisterPlace   string   `json:"register_place,omitempty"`  // where the register is kept
	RegisterNumber  string   `json:"register_number,omitempty"` // the entry's number in the register
	Representatives []string `json:"representatives"`           // names of the legal representatives or the representing body's members; at least one
	// FormalService: an authority entitled to formal service (pickup confirmations).
	FormalService bool `json:"formal_service,omitempty"`
}

// ApplicationRequest applies for an account. Exactly one of person and
// organisation is given, matching kind.
type ApplicationRequest struct {
	Kind         string        `json:"kind"`                   // person, organisation, authority
	Person       *Person       `json:"person,omitempty"`       // the person's data, for kind person
	Organisation *Organisation `json:"organisation,omitempty"` // the organisation's data, for kinds organisation and authority
	// Address is one of the proposals; empty takes the first free one.
	Address string `json:"address,omitempty"`
	// Pseudonym asks for pn_<pseudonym>@domain instead (persons only).
	Pseudonym        string `json:"pseudonym,omitempty"`
	InfoAcknowledged bool   `json:"info_acknowledged"` // the mandatory information was acknowledged (DMG §9); must be true
	MalwareConsent   bool   `json:"malware_consent"`   // consent to malware scanning of letters; must be true
}

// ProposalsResponse lists free addresses for an application.
type ProposalsResponse struct {
	Addresses []string `json:"addresses"` // free addresses to choose from; for a pseudonym, that one address
}

// ApplicationResponse is an application's state. The id is the account's id; keep
// it to look the application up.
type ApplicationResponse struct {
	ID        string    `json:"id"`         // the account's id
	Address   string    `json:"address"`    // the reserved address
	Kind      string    `json:"kind"`       // person, organisation or authority
	Pseudonym bool      `json:"pseudonym"`  // the address is a pseudonym (pn_…)
	Status    string    `json:"status"`     // pending, awaiting_confirmation, verified, active or closed
	CreatedAt time.Time `json:"created_at"` // when the application was received
}

// Account is what a holder sees of their account.
type Account struct {
	ID            string `json:"id"`              // the account's id
	Address       string `json:"address"`         // the registered-mail address, local@domain
	Kind          string `json:"kind"`            // person, organisation or authority
	DisplayName   string `json:"display_name"`    // the holder's name as shown to readers
	Pseudonym     bool   `json:"pseudonym"`       // the address is a pseudonym (pn_…)
	FormalService bool   `json:"formal_service"`  // an authority entitled to formal service (pickup confirmations)
	Status        string `json:"status"`          // pending, awaiting_confirmation, verified, active or closed
	Block         string `json:"block,omitempty"` // full, high, normal or usage; absent when not blocked
	TOTPEnabled   bool   `json:"totp_enabled"`    // a TOTP second factor is enabled, so the holder can log in at high
	// Mailbox is the storage the mailbox uses against its quota: in the
	// current session's account and an officer's view of one account.
	Mailbox *MailboxQuota `json:"mailbox,omitempty"`
}

// LoginRequest opens a session: at normal with the password, at high with the
// password and a TOTP code.
type LoginRequest struct {
	Address  string `json:"address"`             // the account's address
	Password string `json:"password"`            // the account's password
	TOTPCode string `json:"totp_code,omitempty"` // a current 6-digit code of the TOTP factor; gives level high
}

// Session is an open session. The token is shown once, at login.
type Session struct {
	Token     string    `json:"token,omitempty"` // bearer token (sgl_…); only in the login response
	Level     string    `json:"level"`           // normal or high
	ExpiresAt time.Time `json:"expires_at"`      // when the session ends at the latest; unused for a while, it ends sooner
	Account   Account   `json:"account"`         // the session's account
}

// StepUpRequest raises the current session to high.
type StepUpRequest struct {
	TOTPCode string `json:"totp_code"` // a current 6-digit code of the enabled TOTP factor
}

// TOTPEnrollment is a new second factor to add to an authenticator app.
type TOTPEnrollment struct {
	Secret string `json:"secret"` // the shared secret in base32, for typing into the app
	URI    string `json:"uri"`    // the otpauth:// URI of the secret, for a QR code
}

// TOTPConfirmRequest enables the enrolled factor with a code it produced.
type TOTPConfirmRequest struct {
	TOTPCode string `json:"totp_code"` // a current 6-digit code of the enrolled factor
}

// Attachment is a file sent with a letter.
type Attachment struct {
	Filename    string `json:"filename"`               // the file's base name, without directories
	ContentType string `json:"content_type,omitempty"` // media type; application/octet-stream when left out
	Data        []byte `json:"data"`                   // base64
}

// SendRequest submits a registered letter. The options are those of DMG §5.
type SendRequest struct {
	To                   []string     `json:"to"`                              // recipient addresses; at least one
	Cc                   []string     `json:"cc,omitempty"`                    // copy recipients' addresses
	Bcc                  []string     `json:"bcc,omitempty"`                   // blind copy recipients' addresses, hidden from the other recipients
	Subject              string       `json:"subject"`                         // at most 998 bytes, one line
	Text                 string       `json:"text"`                            // the letter's plain text
	Attachments          []Attachment `json:"attachments,omitempty"`           // files sent with the letter; with the text, at most the provider's size limit
	Personal             bool         `json:"personal,omitempty"`              // recipients read it only at high; the sender must be at high
	SenderConfirmed      bool         `json:"sender_confirmed,omitempty"`      // the provider signs message and metadata; sender at high, not a pseudonym
	DispatchConfirmation bool         `json:"dispatch_confirmation,omitempty"` // request a dispatch confirmation
	ReceiptConfirmation  bool         `json:"receipt_confirmation,omitempty"`  // request a receipt confirmation
	PickupConfirmation   bool         `json:"pickup_confirmation,omitempty"`   // request a pickup confirmation; implies personal; authorities entitled to formal service only, at high
	PrivateID            string       `json:"private_id,omitempty"`            // the sender's file number, copied into every confirmation; at most 1024 characters
	ReplyTo              string       `json:"reply_to,omitempty"`              // reply (TR PVD-FU §3.1.3.6): the id of a letter in your mailbox that this one answers; the new letter threads to it (In-Reply-To, References), and what is left empty is filled: to the original's sender (your own letter: its to recipients), subject "Re: " and the original's, its private_id; a personal letter only at high
	Forward              string       `json:"forward,omitempty"`               // forward (TR PVD-FU §3.1.3.6): the id of a letter in your mailbox that this one passes on to the recipients given; text is followed by the original's, quoted, its attachments follow yours, the subject defaults to "Fwd: " and the original's; a personal letter only at high; not with reply_to
}

// SendResponse is an accepted letter: durable and in every recipient's mailbox.
type SendResponse struct {
	ID         string    `json:"id"`          // the sender's copy in Sent
	LetterID   string    `json:"letter_id"`   // the letter's id, shared by all its mailbox copies
	MessageID  string    `json:"message_id"`  // the message id (Message-ID and X-de-mail-message-id)
	AcceptedAt time.Time `json:"accepted_at"` // when the provider accepted the letter
	Recipients []string  `json:"recipients"`  // every recipient: to, cc, then bcc
}

// Options are a letter's dispatch options.
type Options struct {
	Personal             bool   `json:"personal"`              // recipients read the content only at high
	SenderConfirmed      bool   `json:"sender_confirmed"`      // the provider signed message and metadata
	DispatchConfirmation bool   `json:"dispatch_confirmation"` // a dispatch confirmation was requested
	ReceiptConfirmation  bool   `json:"receipt_confirmation"`  // a receipt confirmation was requested
	PickupConfirmation   bool   `json:"pickup_confirmation"`   // a pickup confirmation was requested: it proves the first opening at high
	PrivateID            string `json:"private_id,omitempty"`  // the sender's file number
}

// LetterSummary is a letter in a listing. When content_hidden is true (a personal
// letter seen at normal) only id, folder, from, arrived and personal are filled.
type LetterSummary struct {
	ID            string    `json:"id"`                     // this mailbox's copy; the id in the /api/v1/letters/{id} routes
	Folder        string    `json:"folder"`                 // inbox, sent, trash, confirmations, or "f:" and the id of one of the holder's folders
	From          string    `json:"from"`                   // the sender's address
	Arrived       time.Time `json:"arrived"`                // when the copy came into this mailbox
	Personal      bool      `json:"personal"`               // recipients read the content only at high
	ContentHidden bool      `json:"content_hidden"`         // the content is hidden: a personal letter seen at normal
	Subject       string    `json:"subject,omitempty"`      // absent when hidden
	Options       *Options  `json:"options,omitempty"`      // the dispatch options; absent when hidden
	Attachments   int       `json:"attachments,omitempty"`  // number of attachments; absent when none or hidden
	Read          bool      `json:"read"`                   // the letter was opened in this mailbox
	SenderLevel   string    `json:"sender_level,omitempty"` // the sender's login level at sending, normal or high; absent when hidden
	CopyOf        string    `json:"copy_of,omitempty"`      // for a copy you made into one of your folders, the id of the letter it was made from (its evidence is that one's); absent otherwise
}

// LetterList is a page of a folder; pass next as cursor for the following page.
type LetterList struct {
	Letters []LetterSummary `json:"letters"`        // this page, newest first
	Next    string          `json:"next,omitempty"` // cursor for the following page; absent on the last page
}

// AttachmentInfo describes an attachment; download it from
// /api/v1/letters/{id}/attachments/{index}.
type AttachmentInfo struct {
	Index       int    `json:"index"`        // position from 0, as in the download path
	Filename    string `json:"filename"`     // the file's name
	ContentType string `json:"content_type"` // media type
	Size        int    `json:"size"`         // in bytes
}

// Event is a recorded fact about a letter, with its time: what a confirmation
// will prove.
type Event struct {
	Kind    string    `json:"kind"`              // accepted, stored, relayed, relay_failed, relay_warned, redirected (the recipient's provider named a forwarding order's address instead), picked_up, deemed_served, trashed, deleted
	At      time.Time `json:"at"`                // when it happened
	Address string    `json:"address,omitempty"` // whose mailbox
	Level   string    `json:"level,omitempty"`   // login level of the session that caused it
}

// Letter is an opened letter.
type Letter struct {
	LetterSummary
	MessageID      string           `json:"message_id"`                // the message id (Message-ID and X-de-mail-message-id)
	To             []string         `json:"to"`                        // recipient addresses
	Cc             []string         `json:"cc,omitempty"`              // copy recipients' addresses
	Bcc            []string         `json:"bcc,omitempty"`             // blind copy recipients; shown only to the sender and to that recipient
	Text           string           `json:"text"`                      // the letter's plain text
	AttachmentList []AttachmentInfo `json:"attachment_list,omitempty"` // the attachments, in order
	InReplyTo      string           `json:"in_reply_to,omitempty"`     // the message id (Message-ID) of the letter this one answers
	References     []string         `json:"references,omitempty"`      // the thread's message ids (References), oldest first
	EndToEnd       string           `json:"end_to_end,omitempty"`      // the sender's client protected the content end to end, and it came unchanged (TR PVD-FU §3.2.2): smime-signed, smime-encrypted, openpgp-signed or openpgp-encrypted; absent when not
	Events         []Event          `json:"events"`                    // oldest first; the sender sees every recipient's, a recipient only their own and the letter's
}

// Deleted says where a delete left the letter.
type Deleted struct {
	Final bool `json:"final"` // true: deleted for good; false: moved to the trash
}

// VerifyRequest records an officer's identity verification (DMG §3(2)).
type VerifyRequest struct {
	Method       string `json:"method"`                  // id_card, passport, eid, qualified_signature, register_extract
	DocumentType string `json:"document_type,omitempty"` // "Personalausweis", "Reisepass", "Handelsregisterauszug" …
	DocumentDate string `json:"document_date,omitempty"` // register extracts: YYYY-MM-DD
}

// Verification is a recorded identity verification.
type Verification struct {
	Method       string    `json:"method"`                  // id_card, passport, eid, qualified_signature or register_extract
	DocumentType string    `json:"document_type,omitempty"` // the document's type
	DocumentDate string    `json:"document_date,omitempty"` // date of the register extract, YYYY-MM-DD
	Officer      string    `json:"officer"`                 // id of the officer who verified
	At           time.Time `json:"at"`                      // when the identity was verified
	ConfirmedBy  string    `json:"confirmed_by,omitempty"`  // id of the second officer who confirmed a manual entry
	ConfirmedAt  time.Time `json:"confirmed_at,omitzero"`   // when the second officer confirmed
}

// AdminAccount is an account as officers see it.
type AdminAccount struct {
	Account
	BlockReason  string          `json:"block_reason,omitempty"` // why the account is blocked, as the officer recorded it
	Holder       json.RawMessage `json:"holder,omitempty"`       // the holder's data: a Person or Organisation object, by kind; absent once closed
	Verification *Verification   `json:"verification,omitempty"` // the identity verification, once recorded
	CreatedAt    time.Time       `json:"created_at"`             // when the application was received
	VerifiedAt   time.Time       `json:"verified_at,omitzero"`   // when the identity verification completed
	ActivatedAt  time.Time       `json:"activated_at,omitzero"`  // when the first login activated the account
	ClosedAt     time.Time       `json:"closed_at,omitzero"`     // when the account was closed
}

// VerifyResponse is the account after a verification step; initial_password is
// set once, when verification completed: hand it to the holder.
type VerifyResponse struct {
	Account         AdminAccount `json:"account"`                    // the account after this step
	InitialPassword string       `json:"initial_password,omitempty"` // the holder's first password, shown once
}

// AccountList is a page of accounts for the officer console.
type AccountList struct {
	Accounts []AdminAccount `json:"accounts"`       // this page, ordered by id
	Next     string         `json:"next,omitempty"` // pass as after for the following page; absent on the last page
}

// HistoryEntry is one entry of an account's tamper-evident history.
type HistoryEntry struct {
	Seq    int64           `json:"seq"`              // 1, 2, 3 … within the account
	At     time.Time       `json:"at"`               // when it happened
	Action string          `json:"action"`           // "applied", "identity_verified_manual", "blocked" …
	Actor  string          `json:"actor"`            // "system", "user" or "officer:<id>"
	Detail json.RawMessage `json:"detail,omitempty"` // the action's details; never a password, code or key
	Hash   string          `json:"hash"`             // hex SHA-256 of this entry, chained to the previous one
}

// AccountDetail is an account with its history; history_intact tells whether the
// hash chain verifies.
type AccountDetail struct {
	Account       AdminAccount   `json:"account"`        // the account
	History       []HistoryEntry `json:"history"`        // oldest first
	HistoryIntact bool           `json:"history_intact"` // the history's hash chain verifies
}

// BlockRequest sets or lifts a block: full, high, normal, usage, or "" to lift.
type BlockRequest struct {
	Block  string `json:"block"`  // full, high, normal, usage, or "" to lift
	Reason string `json:"reason"` // recorded in the account's history; required for a block
}

// CloseRequest closes an account.
type CloseRequest struct {
	Reason string `json:"reason"` // recorded in the account's history; required
	// ForwardTo makes a forwarding order (TR PVD-FU §3.1.3.3): for half a
	// year the account's letters go to this registered-mail address
	// instead of being refused, no copy is kept, and that mailbox confirms
	// their receipt; absent for none.
	ForwardTo string `json:"forward_to,omitempty"`
}

// OfficerRequest creates a registration officer (operators only).
type OfficerRequest struct {
	Name string `json:"name"` // the officer's name, 1 to 200 characters
	Role string `json:"role"` // officer or operator
}

// Officer is a created officer; the token is shown once.
type Officer struct {
	ID    string `json:"id"`              // the officer's id
	Name  string `json:"name"`            // the officer's name
	Role  string `json:"role"`            // officer or operator
	Token string `json:"token,omitempty"` // bearer token (sgo_…); only in the response that creates the officer
}

// EvidenceInfo is one signed, time-stamped evidence of a letter's event.
// Download the file from /api/v1/evidence/{id}; the confirmation message
// that carried it is a letter in the inbox, /api/v1/letters/{confirmation}.
type EvidenceInfo struct {
	ID           string    `json:"id"`                     // the evidence identifier, as in the document
	Event        string    `json:"event"`                  // ETSI EN 319 522 event: SubmissionAcceptance, RelayAcceptance, RelayFailure, ContentConsignment, ContentConsignmentFailure, ContentHandover, ContentHandoverFailure, …
	At           time.Time `json:"at"`                     // when the event happened
	Recipient    string    `json:"recipient,omitempty"`    // the recipient the evidence names
	Confirmation string    `json:"confirmation,omitempty"` // your copy of the confirmation message; absent when you have none
	Size         int       `json:"size"`                   // bytes of the evidence file
}

// EvidenceList is the evidence of a letter that its caller may have.
type EvidenceList struct {
	Evidence []EvidenceInfo `json:"evidence"` // in the order of the events; empty while none is issued yet
}

// QueueJob is a piece of queued work: a confirmation to issue, a deadline,
// a reminder.
type QueueJob struct {
	ID         string     `json:"id"`                    // the job; retry it with /api/v1/admin/queue/{id}/retry
	Kind       string     `json:"kind"`                  // evidence, rejection, relay, relay-warning, malware-notice, auto-forward, deemed-service, pickup-reminder
	Key        string     `json:"key"`                   // what it is about (an event and copy, a copy, a message id)
	RunAt      time.Time  `json:"run_at"`                // due from
	Attempts   int        `json:"attempts"`              // attempts so far
	LeasedBy   string     `json:"leased_by,omitempty"`   // the node working on it, while its lease lasts
	LeaseUntil *time.Time `json:"lease_until,omitempty"` // when that node's lease ends
	LastError  string     `json:"last_error,omitempty"`  // why the last attempt failed
	CreatedAt  time.Time  `json:"created_at"`            // when it was queued
}

// QueueList is a page of the queue; pass next as cursor for the following page.
type QueueList struct {
	Jobs []QueueJob `json:"jobs"`           // the earliest due first
	Next string     `json:"next,omitempty"` // cursor for the following page; absent on the last page
}

// Contact is an entry of the holder's address book (TR PVD-FU §3.1.3.5),
// which the web mailbox offers while composing. Only the holder sees it.
type Contact struct {
	ID        string    `json:"id"`             // the contact; the id in the /api/v1/contacts/{id} routes
	Address   string    `json:"address"`        // a registered-mail address, here or at another provider, lower case; once per address book
	Name      string    `json:"name,omitempty"` // how the holder names the contact, at most 200 characters; absent when none
	Note      string    `json:"note,omitempty"` // the holder's note, at most 1,000 characters, line breaks allowed; absent when none
	CreatedAt time.Time `json:"created_at"`     // when it was added
	UpdatedAt time.Time `json:"updated_at"`     // when it was last changed
}

// ContactRequest adds a contact, or changes one: a change replaces address,
// name and note, so a field left out is emptied.
type ContactRequest struct {
	Address string `json:"address"`        // the contact's registered-mail address
	Name    string `json:"name,omitempty"` // at most 200 characters, no control characters
	Note    string `json:"note,omitempty"` // at most 1,000 characters
}

// ContactList is a page of the address book; pass next as cursor for the
// following page.
type ContactList struct {
	Contacts []Contact `json:"contacts"`       // this page, by name and then address
	Next     string    `json:"next,omitempty"` // cursor for the following page; absent on the last page
}

// Folder is one of the holder's own folders (TR PVD-FU §3.1.3.7), a
// category to file letters in besides the system folders (inbox, sent,
// trash, confirmations), which cannot be renamed or deleted.
type Folder struct {
	ID        string    `json:"id"`         // the folder; the id in the /api/v1/folders/{id} routes
	Folder    string    `json:"folder"`     // "f:" and the id: what ?folder= of a listing, a move and a letter's folder say
	Name      string    `json:"name"`       // 1 to 64 characters, unique in the account, none of the system folders' names
	Letters   int       `json:"letters"`    // letters filed in it
	CreatedAt time.Time `json:"created_at"` // when it was made
}

// FolderRequest makes a folder, or renames one.
type FolderRequest struct {
	Name string `json:"name"` // 1 to 64 characters after trimming spaces, no control characters
}

// FolderList is every folder of the holder's, by name.
type FolderList struct {
	Folders []Folder `json:"folders"` // by name (bytewise); at most 100
}

// MoveRequest files a letter in another folder.
type MoveRequest struct {
	// Folder is one of the holder's folders ("f:" and its id), or the
	// letter's own system folder to take it back: inbox for a received
	// letter, sent for a sent one. Not trash (delete) nor out of the trash
	// (restore); confirmations stay where they are.
	Folder string `json:"folder"`
}

// CopyRequest files a second copy of a letter in one of the holder's
// folders.
type CopyRequest struct {
	// Folder is one of the holder's folders: "f:" and its id.
	Folder string `json:"folder"`
}
