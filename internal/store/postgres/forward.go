package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

// Automatic forwarding and forwarding orders (store/forward.go).

func (t *txn) Forwarding(accountID string) (*store.Forwarding, error) {
	var f store.Forwarding
	err := t.row(`SELECT account_id, target, exclude_personal, created_at, updated_at
		FROM forwardings WHERE account_id = $1`, []any{accountID}, func(r pgx.Row) error {
		return r.Scan(&f.AccountID, &f.Target, &f.ExcludePersonal, tsz{&f.CreatedAt}, tsz{&f.UpdatedAt})
	})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func (t *txn) SetForwarding(f *store.Forwarding) error {
	return t.write(`INSERT INTO forwardings (account_id, target, exclude_personal, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (account_id) DO UPDATE SET target = excluded.target,
		exclude_personal = excluded.exclude_personal, created_at = excluded.created_at,
		updated_at = excluded.updated_at`,
		f.AccountID, f.Target, f.ExcludePersonal, ts(f.CreatedAt), ts(f.UpdatedAt))
}

func (t *txn) DeleteForwarding(accountID string) error {
	return t.write(`DELETE FROM forwardings WHERE account_id = $1`, accountID)
}

func (t *txn) InsertForwardingOrder(o *store.ForwardingOrder) error {
	return t.write(`INSERT INTO forwarding_orders (account_id, target, created_at, until) VALUES ($1,$2,$3,$4)`,
		o.AccountID, o.Target, ts(o.CreatedAt), ts(o.Until))
}

func (t *txn) ForwardingOrder(accountID string) (*store.ForwardingOrder, error) {
	var o store.ForwardingOrder
	err := t.row(`SELECT account_id, target, created_at, until FROM forwarding_orders WHERE account_id = $1`,
		[]any{accountID}, func(r pgx.Row) error {
			return r.Scan(&o.AccountID, &o.Target, tsz{&o.CreatedAt}, tsz{&o.Until})
		})
	if err != nil {
		return nil, err
	}
	return &o, nil
}
