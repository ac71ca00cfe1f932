package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

// Mailbox usage is mailbox_usage plus the changes in mailbox_usage_delta
// that FoldUsage has not folded yet (migration 9): the triggers on copies
// append a row per mailbox and statement, so concurrent accepts for one
// mailbox never wait for each other, and reading sums the few rows left
// since the last fold through their index.

func (t *txn) MailboxUsage(accountID string) (*store.Usage, error) {
	u := store.Usage{AccountID: accountID}
	err := t.row(`SELECT (coalesce(u.used, 0)
			+ coalesce((SELECT sum(d.bytes) FROM mailbox_usage_delta d WHERE d.account_id = $1), 0))::bigint,
			coalesce(u.quota, 0), coalesce(u.warned, false)
		FROM (VALUES (1)) one LEFT JOIN mailbox_usage u ON u.account_id = $1`,
		[]any{accountID}, func(r pgx.Row) error { return r.Scan(&u.Used, &u.Quota, &u.Warned) })
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// SetMailboxQuota also appends a change of nothing, so that the next
// FoldUsage returns the account: a new quota may call for the low-space
// notice, or end the last one's effect.
func (t *txn) SetMailboxQuota(accountID string, quota int64) error {
	if err := t.write(`INSERT INTO mailbox_usage AS u (account_id, used, quota, warned) VALUES ($1, 0, $2, false)
		ON CONFLICT (account_id) DO UPDATE SET quota = excluded.quota`, accountID, quota); err != nil {
		return err
	}
	return t.write(`INSERT INTO mailbox_usage_delta (account_id, bytes) VALUES ($1, 0)`, accountID)
}

func (t *txn) SetUsageWarned(accountID string, warned bool) error {
	return t.write(`INSERT INTO mailbox_usage AS u (account_id, used, quota, warned) VALUES ($1, 0, 0, $2)
		ON CONFLICT (account_id) DO UPDATE SET warned = excluded.warned`, accountID, warned)
}

// FoldUsage deletes up to limit pending rows, whichever, and adds them up
// into their mailboxes' rows. Rows of transactions not committed yet are
// not visible to it, and are folded by a later call. Two nodes folding at
// once pick the same rows; serializable isolation lets one of them through.
func (t *txn) FoldUsage(limit int) ([]store.Usage, error) {
	if t.mode != writeMode {
		return nil, errReadOnly
	}
	us, err := collect(t, `WITH picked AS (
			DELETE FROM mailbox_usage_delta
			WHERE ctid = ANY (ARRAY(SELECT ctid FROM mailbox_usage_delta LIMIT $1))
			RETURNING account_id, bytes),
		summed AS (SELECT account_id, sum(bytes)::bigint AS bytes FROM picked GROUP BY account_id)
		INSERT INTO mailbox_usage AS u (account_id, used, quota, warned)
		SELECT account_id, bytes, 0, false FROM summed
		ON CONFLICT (account_id) DO UPDATE SET used = u.used + excluded.used
		RETURNING u.account_id, u.used, u.quota, u.warned`, []any{limit},
		func(r pgx.Row) (store.Usage, error) {
			var u store.Usage
			err := r.Scan(&u.AccountID, &u.Used, &u.Quota, &u.Warned)
			return u, err
		})
	if err != nil {
		return nil, err
	}
	t.wrote = t.wrote || len(us) > 0
	return us, nil
}
