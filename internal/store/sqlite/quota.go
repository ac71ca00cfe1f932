package sqlite

import (
	"errors"

	"github.com/siegel-mail/siegel/internal/store"
)

// Mailbox usage is one row per account, kept by the triggers of migration
// 10 on copies: SQLite has one writer, which runs a group's accepts one
// after another, so a counter row costs an update per copy and holds
// nobody up.

func (t *txn) MailboxUsage(accountID string) (*store.Usage, error) {
	// Buffered copies have not met their triggers yet.
	if err := t.flush(); err != nil {
		return nil, err
	}
	u := store.Usage{AccountID: accountID}
	var warned int
	err := t.q.QueryRowContext(t.ctx, `SELECT used, quota, warned FROM mailbox_usage WHERE account_id = ?`,
		accountID).Scan(&u.Used, &u.Quota, &warned)
	if err := mapErr(err); err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	u.Warned = warned == 1
	return &u, nil
}

func (t *txn) SetMailboxQuota(accountID string, quota int64) error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO mailbox_usage (account_id, used, quota, warned, changed) VALUES (?, 0, ?, 0, 1)
		ON CONFLICT (account_id) DO UPDATE SET quota = excluded.quota, changed = 1`, accountID, quota)
}

func (t *txn) SetUsageWarned(accountID string, warned bool) error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO mailbox_usage (account_id, used, quota, warned, changed) VALUES (?, 0, 0, ?, 0)
		ON CONFLICT (account_id) DO UPDATE SET warned = excluded.warned`, accountID, b2i(warned))
}

// FoldUsage has nothing to fold: it hands out the rows marked changed,
// through their partial index, and clears the mark.
func (t *txn) FoldUsage(limit int) ([]store.Usage, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(t.ctx, `UPDATE mailbox_usage SET changed = 0
		WHERE account_id IN (SELECT account_id FROM mailbox_usage WHERE changed = 1 LIMIT ?)
		RETURNING account_id, used, quota, warned`, limit)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Usage
	for rows.Next() {
		var u store.Usage
		var warned int
		if err := rows.Scan(&u.AccountID, &u.Used, &u.Quota, &warned); err != nil {
			return nil, err
		}
		u.Warned = warned == 1
		out = append(out, u)
	}
	return out, mapErr(rows.Err())
}
