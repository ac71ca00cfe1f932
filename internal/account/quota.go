package account

import (
	"strconv"

	"github.com/siegel-mail/siegel/internal/problem"
)

// A mailbox has a storage quota (SPEC "Limits"): at least 100 MiB, unless an
// officer gives the account more. What counts is every copy the mailbox
// holds, in any folder, the trash and the confirmations included (store
// QuotaTx). A full mailbox may block sending, never receiving: letters
// keep arriving over the quota, and the holder is told to free space.

// MinQuota is the least storage a mailbox gets, by default and by an
// officer's choice alike: 100 MiB.
const MinQuota int64 = 100 << 20

// MaxQuota bounds what an officer may give one mailbox, 1 TiB: more is
// a typing error, not a mailbox.
const MaxQuota int64 = 1 << 40

// Quota is a mailbox's usage against its quota, in bytes.
type Quota struct {
	Used  int64
	Limit int64
}

// Low reports that less than 10 % of the quota is free: the holder is
// warned, once, by a notice, and on every page and listing.
func (q Quota) Low() bool { return q.Limit > 0 && (q.Limit-q.Used)*10 < q.Limit }

// Recovered reports that the mailbox is below 90 % used again, after
// which the next Low calls for another notice.
func (q Quota) Recovered() bool { return q.Used*10 < q.Limit*9 }

// Full reports that the mailbox holds as much as its quota or more.
func (q Quota) Full() bool { return q.Used >= q.Limit }

// Free is what is left, never below 0.
func (q Quota) Free() int64 { return max(q.Limit-q.Used, 0) }

// Percent is how much of the quota is used, rounded down, in whole percent;
// over 100 when the mailbox received letters past its quota.
func (q Quota) Percent() int {
	if q.Limit <= 0 {
		return 0
	}
	return int(q.Used * 100 / q.Limit)
}

// CheckSend refuses a letter from a full mailbox: its sender's copy in
// Sent would grow it further. Receiving is never refused (SPEC "Limits").
func (q Quota) CheckSend() error {
	if !q.Full() {
		return nil
	}
	return problem.New(problem.Forbidden, "", "mailbox_full",
		"Your mailbox is full: it holds %s of your %s. Sending is blocked until you free space: delete letters you no longer need and then empty the trash (letters in the trash still count). Letters to you still arrive.",
		MiB(q.Used), MiB(q.Limit))
}

// CheckQuota checks a quota an officer sets, in MiB; 0 returns the account
// to the provider's default.
func CheckQuota(mib int64) error {
	if mib != 0 && (mib < MinQuota>>20 || mib > MaxQuota>>20) {
		return problem.Field("mib", "out_of_range",
			"a mailbox's quota must be %d to %d MiB (SPEC: at least 100 MiB), or 0 for the provider's default",
			MinQuota>>20, MaxQuota>>20)
	}
	return nil
}

// MiB is n bytes as a person reads a quota: "87.5 MiB".
func MiB(n int64) string {
	return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
}
