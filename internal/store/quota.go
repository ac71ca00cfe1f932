package store

// QuotaTx keeps what each mailbox holds, in bytes, against its quota (SPEC
// "Limits": a full mailbox may block sending, never receiving).
//
// # What counts
//
// A mailbox's usage is the sum, over every copy it holds (AccountID set,
// whatever the folder: Inbox, Sent, Trash, Confirmations, the holder's own
// folders), of the copy's size: its letter's BodySize plus the length of
// its Header. A letter held by several mailboxes counts in each; a copy in
// Relay, held for another provider (AccountID ""), counts in none.
//
// # How it is kept
//
// The store keeps usage itself, in the same transaction as every write of a
// copy (InsertCopy, DeleteCopy, and any change of a copy's account, letter
// or header), so that no path that files a copy can miss it; callers never
// add to it. Reading it never scans a mailbox. The store may keep part of
// it as pending changes (on PostgreSQL, rows that FoldUsage folds, so that
// concurrent accepts for one mailbox do not queue up for one row);
// MailboxUsage counts those too.
type QuotaTx interface {
	// MailboxUsage is an account's usage, quota and warned flag; an
	// account that never held a copy has Used 0, Quota 0 and no error.
	MailboxUsage(accountID string) (*Usage, error)
	// SetMailboxQuota sets an account's own quota in bytes; 0 returns it to
	// the provider's default.
	SetMailboxQuota(accountID string, quota int64) error
	// SetUsageWarned records whether the holder was told that the mailbox
	// is nearly full (package mailbox decides when).
	SetUsageWarned(accountID string, warned bool) error
	// FoldUsage folds up to limit pending changes and returns the accounts
	// whose usage changed since an earlier FoldUsage returned them, with
	// their usage as of now, at most limit of them, in no particular order.
	// An account changed by a transaction that has not committed yet is
	// returned by a later FoldUsage. Nothing changed: none and no error.
	FoldUsage(limit int) ([]Usage, error)
}

// Usage is what a mailbox holds, in bytes, against its quota.
type Usage struct {
	AccountID string
	Used      int64 // bytes held, see QuotaTx
	// Quota is the account's own quota in bytes, set by an officer; 0
	// means the provider's default (config limits.mailbox_quota_mib).
	Quota int64
	// Warned: the holder was told the mailbox is nearly full, and has not
	// freed enough space since for the next warning to be due.
	Warned bool
}
