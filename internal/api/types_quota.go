package api

// MailboxQuota is what a mailbox holds against its storage quota (SPEC
// "Limits"): every letter, confirmation and copy in any folder counts,
// the trash included, each by its letter's size plus its own header.
type MailboxQuota struct {
	UsedBytes   int64 `json:"used_bytes"`   // bytes the mailbox holds
	QuotaBytes  int64 `json:"quota_bytes"`  // its quota: the account's own, or the provider's default (at least 100 MiB)
	PercentUsed int   `json:"percent_used"` // used ÷ quota in whole percent, rounded down; over 100 when letters arrived past a full mailbox
	// Warning: less than 10 % of the quota is free. The holder also gets
	// one notice letter each time the mailbox passes into its last 10 %.
	Warning bool `json:"warning"`
	// Full: the mailbox holds as much as its quota or more. Sending is
	// refused (403 mailbox_full) until letters are deleted for good
	// (delete, then empty the trash); letters to the mailbox still arrive.
	Full bool `json:"full"`
}

// QuotaRequest sets an account's own storage quota.
type QuotaRequest struct {
	MiB int64 `json:"mib"` // the quota in MiB, 100 to 1048576; 0 returns the account to the provider's default (limits.mailbox_quota_mib)
}
