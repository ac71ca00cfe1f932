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
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// Person is a natural person's data (SPEC Accounts).
type Person struct {
	FirstNames string `json:"first_names"`
	Surname    string `json:"surname"`
	BirthDate  string `json:"birth_date"` // YYYY-MM-DD
	BirthPlace string `json:"birth_place"`
	Street     string `json:"street"`
	Postcode   string `json:"postcode"`
	Town       string `json:"town"`
	Country    string `json:"country"` // ISO 3166-1 alpha-2
}

// Organisation is an organisation's or authority's data (SPEC Accounts).
type Organisation struct {
	Name            string   `json:"name"`
	LegalForm       string   `json:"legal_form"`
	Street          string   `json:"street"`
	Postcode        string   `json:"postcode"`
	Town            string   `json:"town"`
	Country         string   `json:"country"`
	RegisterType    string   `json:"register_type,omitempty"`
	RegisterPlace   string   `json:"register_place,omitempty"`
	RegisterNumber  string   `json:"register_number,omitempty"`
	Representatives []string `json:"representatives"`
	// FormalService: an authority entitled to formal service (pickup confirmations).
	FormalService bool `json:"formal_service,omitempty"`
}

// ApplicationRequest applies for an account. Exactly one of person and
// organisation is given, matching kind.
type ApplicationRequest struct {
	Kind         string        `json:"kind"` // person, organisation, authority
	Person       *Person       `json:"person,omitempty"`
	Organisation *Organisation `json:"organisation,omitempty"`
	// Address is one of the proposals; empty takes the first free one.
	Address string `json:"address,omitempty"`
	// Pseudonym asks for pn_<pseudonym>@domain instead (persons only).
	Pseudonym        string `json:"pseudonym,omitempty"`
	InfoAcknowledged bool   `json:"info_acknowledged"`
	MalwareConsent   bool   `json:"malware_consent"`
}

// ProposalsResponse lists free addresses for an application.
type ProposalsResponse struct {
	Addresses []string `json:"addresses"`
}

// ApplicationResponse is an application's state. The id is the account's id; keep
// it to look the application up.
type ApplicationResponse struct {
	ID        string    `json:"id"`
	Address   string    `json:"address"`
	Kind      string    `json:"kind"`
	Pseudonym bool      `json:"pseudonym"`
	Status    string    `json:"status"`
	CreatedAt time.Time `json:"created_at"`
}

// Account is what a holder sees of their account.
type Account struct {
	ID            string `json:"id"`
	Address       string `json:"address"`
	Kind          string `json:"kind"`
	DisplayName   string `json:"display_name"`
	Pseudonym     bool   `json:"pseudonym"`
	FormalService bool   `json:"formal_service"`
	Status        string `json:"status"`
	Block         string `json:"block,omitempty"`
	TOTPEnabled   bool   `json:"totp_enabled"`
}

// LoginRequest opens a session: at normal with the password, at high with the
// password and a TOTP code.
type LoginRequest struct {
	Address  string `json:"address"`
	Password string `json:"password"`
	TOTPCode string `json:"totp_code,omitempty"`
}

// Session is an open session. The token is shown once, at login.
type Session struct {
	Token     string    `json:"token,omitempty"`
	Level     string    `json:"level"`
	ExpiresAt time.Time `json:"expires_at"`
	Account   Account   `json:"account"`
}

// StepUpRequest raises the current session to high.
type StepUpRequest struct {
	TOTPCode string `json:"totp_code"`
}

// TOTPEnrollment is a new second factor to add to an authenticator app.
type TOTPEnrollment struct {
	Secret string `json:"secret"`
	URI    string `json:"uri"`
}

// TOTPConfirmRequest enables the enrolled factor with a code it produced.
type TOTPConfirmRequest struct {
	TOTPCode string `json:"totp_code"`
}

// Attachment is a file sent with a letter.
type Attachment struct {
	Filename    string `json:"filename"`
	ContentType string `json:"content_type,omitempty"`
	Data        []byte `json:"data"` // base64
}

// SendRequest submits a registered letter. The options are those of DMG §5.
type SendRequest struct {
	To                   []string     `json:"to"`
	Cc                   []string     `json:"cc,omitempty"`
	Bcc                  []string     `json:"bcc,omitempty"`
	Subject              string       `json:"subject"`
	Text                 string       `json:"text"`
	Attachments          []Attachment `json:"attachments,omitempty"`
	Personal             bool         `json:"personal,omitempty"`
	SenderConfirmed      bool         `json:"sender_confirmed,omitempty"`
	DispatchConfirmation bool         `json:"dispatch_confirmation,omitempty"`
	ReceiptConfirmation  bool         `json:"receipt_confirmation,omitempty"`
	PickupConfirmation   bool         `json:"pickup_confirmation,omitempty"`
	PrivateID            string       `json:"private_id,omitempty"`
}

// SendResponse is an accepted letter: durable and in every recipient's mailbox.
type SendResponse struct {
	ID         string    `json:"id"` // the sender's copy in Sent
	LetterID   string    `json:"letter_id"`
	MessageID  string    `json:"message_id"`
	AcceptedAt time.Time `json:"accepted_at"`
	Recipients []string  `json:"recipients"`
}

// Options are a letter's dispatch options.
type Options struct {
	Personal             bool   `json:"personal"`
	SenderConfirmed      bool   `json:"sender_confirmed"`
	DispatchConfirmation bool   `json:"dispatch_confirmation"`
	ReceiptConfirmation  bool   `json:"receipt_confirmation"`
	PickupConfirmation   bool   `json:"pickup_confirmation"`
	PrivateID            string `json:"private_id,omitempty"`
}

// LetterSummary is a letter in a listing. When content_hidden is true (a personal
// letter seen at normal) only id, folder, from, arrived and personal are filled.
type LetterSummary struct {
	ID            string    `json:"id"`
	Folder        string    `json:"folder"`
	From          string    `json:"from"`
	Arrived       time.Time `json:"arrived"`
	Personal      bool      `json:"personal"`
	ContentHidden bool      `json:"content_hidden"`
	Subject       string    `json:"subject,omitempty"`
	Options       *Options  `json:"options,omitempty"`
	Attachments   int       `json:"attachments,omitempty"`
	Read          bool      `json:"read"`
	SenderLevel   string    `json:"sender_level,omitempty"`
}

// LetterList is a page of a folder; pass next as cursor for the following page.
type LetterList struct {
	Letters []LetterSummary `json:"letters"`
	Next    string          `json:"next,omitempty"`
}

// AttachmentInfo describes an attachment; download it from
// /api/v1/letters/{id}/attachments/{index}.
type AttachmentInfo struct {
	Index       int    `json:"index"`
	Filename    string `json:"filename"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// Event is a recorded fact about a letter, with its time: what a confirmation
// will prove.
type Event struct {
	Kind    string    `json:"kind"` // accepted, stored, opened_high, trashed, deleted
	At      time.Time `json:"at"`
	Address string    `json:"address,omitempty"` // whose mailbox
	Level   string    `json:"level,omitempty"`
}

// Letter is an opened letter.
type Letter struct {
	LetterSummary
	MessageID      string           `json:"message_id"`
	To             []string         `json:"to"`
	Cc             []string         `json:"cc,omitempty"`
	Bcc            []string         `json:"bcc,omitempty"`
	Text           string           `json:"text"`
	AttachmentList []AttachmentInfo `json:"attachment_list,omitempty"`
	Events         []Event          `json:"events"`
}

// Deleted says where a delete left the letter.
type Deleted struct {
	Final bool `json:"final"`
}

// VerifyRequest records an officer's identity verification (DMG §3(2)).
type VerifyRequest struct {
	Method       string `json:"method"` // id_card, passport, eid, qualified_signature, register_extract
	DocumentType string `json:"document_type,omitempty"`
	DocumentDate string `json:"document_date,omitempty"` // register extracts: YYYY-MM-DD
}

// Verification is a recorded identity verification.
type Verification struct {
	Method       string    `json:"method"`
	DocumentType string    `json:"document_type,omitempty"`
	DocumentDate string    `json:"document_date,omitempty"`
	Officer      string    `json:"officer"`
	At           time.Time `json:"at"`
	ConfirmedBy  string    `json:"confirmed_by,omitempty"`
	ConfirmedAt  time.Time `json:"confirmed_at,omitzero"`
}

// AdminAccount is an account as officers see it.
type AdminAccount struct {
	Account
	BlockReason  string          `json:"block_reason,omitempty"`
	Holder       json.RawMessage `json:"holder,omitempty"`
	Verification *Verification   `json:"verification,omitempty"`
	CreatedAt    time.Time       `json:"created_at"`
	VerifiedAt   time.Time       `json:"verified_at,omitzero"`
	ActivatedAt  time.Time       `json:"activated_at,omitzero"`
	ClosedAt     time.Time       `json:"closed_at,omitzero"`
}

// VerifyResponse is the account after a verification step; initial_password is
// set once, when verification completed: hand it to the holder.
type VerifyResponse struct {
	Account         AdminAccount `json:"account"`
	InitialPassword string       `json:"initial_password,omitempty"`
}

// AccountList is a page of accounts for the officer console.
type AccountList struct {
	Accounts []AdminAccount `json:"accounts"`
	Next     string         `json:"next,omitempty"`
}

// HistoryEntry is one entry of an account's tamper-evident history.
type HistoryEntry struct {
	Seq    int64           `json:"seq"`
	At     time.Time       `json:"at"`
	Action string          `json:"action"`
	Actor  string          `json:"actor"`
	Detail json.RawMessage `json:"detail,omitempty"`
	Hash   string          `json:"hash"`
}

// AccountDetail is an account with its history; history_intact tells whether the
// hash chain verifies.
type AccountDetail struct {
	Account       AdminAccount   `json:"account"`
	History       []HistoryEntry `json:"history"`
	HistoryIntact bool           `json:"history_intact"`
}

// BlockRequest sets or lifts a block: full, high, normal, usage, or "" to lift.
type BlockRequest struct {
	Block  string `json:"block"`
	Reason string `json:"reason"`
}

// CloseRequest closes an account.
type CloseRequest struct {
	Reason string `json:"reason"`
}

// OfficerRequest creates a registration officer (operators only).
type OfficerRequest struct {
	Name string `json:"name"`
	Role string `json:"role"` // officer or operator
}

// Officer is a created officer; the token is shown once.
type Officer struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"`
	Token string `json:"token,omitempty"`
}
