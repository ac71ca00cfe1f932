package sqlite

import (
	"github.com/siegel-mail/siegel/internal/store"
)

// Automatic forwarding and forwarding orders (store/forward.go).

func (t *txn) Forwarding(accountID string) (*store.Forwarding, error) {
	var f store.Forwarding
	var exclude, created, updated int64
	err := t.q.QueryRowContext(t.ctx, `SELECT account_id, target, exclude_personal, created_at, updated_at
		FROM forwardings WHERE account_id = ?`, accountID).
		Scan(&f.AccountID, &f.Target, &exclude, &created, &updated)
	if err != nil {
		return nil, mapErr(err)
	}
	f.ExcludePersonal, f.CreatedAt, f.UpdatedAt = exclude == 1, fromTm(created), fromTm(updated)
	return &f, nil
}

func (t *txn) SetForwarding(f *store.Forwarding) error {
	return t.exec(`INSERT INTO forwardings (account_id, target, exclude_personal, created_at, updated_at)
		VALUES (?,?,?,?,?)
		ON CONFLICT (account_id) DO UPDATE SET target = excluded.target,
		exclude_personal = excluded.exclude_personal, created_at = excluded.created_at,
		updated_at = excluded.updated_at`,
		f.AccountID, f.Target, b2i(f.ExcludePersonal), tm(f.CreatedAt), tm(f.UpdatedAt))
}

func (t *txn) DeleteForwarding(accountID string) error {
	return t.exec(`DELETE FROM forwardings WHERE account_id = ?`, accountID)
}

func (t *txn) InsertForwardingOrder(o *store.ForwardingOrder) error {
	return t.exec(`INSERT INTO forwarding_orders (account_id, target, created_at, until) VALUES (?,?,?,?)`,
		o.AccountID, o.Target, tm(o.CreatedAt), tm(o.Until))
}

func (t *txn) ForwardingOrder(accountID string) (*store.ForwardingOrder, error) {
	var o store.ForwardingOrder
	var created, until int64
	err := t.q.QueryRowContext(t.ctx, `SELECT account_id, target, created_at, until
		FROM forwarding_orders WHERE account_id = ?`, accountID).Scan(&o.AccountID, &o.Target, &created, &until)
	if err != nil {
		return nil, mapErr(err)
	}
	o.CreatedAt, o.Until = fromTm(created), fromTm(until)
	return &o, nil
}
