package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

const contactCols = `id, account_id, address, name, note, created_at, updated_at`

func (t *txn) InsertContact(c *store.Contact) error {
	return t.write(`INSERT INTO contacts (`+contactCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
		c.ID, c.AccountID, c.Address, c.Name, c.Note, ts(c.CreatedAt), ts(c.UpdatedAt))
}

func scanContact(r pgx.Row) (store.Contact, error) {
	var c store.Contact
	err := r.Scan(&c.ID, &c.AccountID, &c.Address, &c.Name, &c.Note, tsz{&c.CreatedAt}, tsz{&c.UpdatedAt})
	return c, err
}

func (t *txn) contact(sql string, args ...any) (*store.Contact, error) {
	var c store.Contact
	err := t.row(sql, args, func(r pgx.Row) (err error) {
		c, err = scanContact(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func (t *txn) ContactByID(accountID, id string) (*store.Contact, error) {
	return t.contact(`SELECT `+contactCols+` FROM contacts WHERE id = $1 AND account_id = $2`, id, accountID)
}

func (t *txn) ContactByAddress(accountID, addr string) (*store.Contact, error) {
	return t.contact(`SELECT `+contactCols+` FROM contacts WHERE account_id = $1 AND address = $2`, accountID, addr)
}

// AccountContacts has a query for each case, as ListAccounts has.
func (t *txn) AccountContacts(accountID string, after *store.ContactCursor, limit int) ([]store.Contact, error) {
	sql, args := `SELECT `+contactCols+` FROM contacts WHERE account_id = $1
		ORDER BY name, address LIMIT $2`, []any{accountID, limit}
	if after != nil {
		sql = `SELECT ` + contactCols + ` FROM contacts WHERE account_id = $1 AND (name, address) > ($3, $4)
		ORDER BY name, address LIMIT $2`
		args = append(args, after.Name, after.Address)
	}
	return collect(t, sql, args, scanContact)
}

func (t *txn) CountContacts(accountID string) (int, error) {
	var n int
	err := t.row(`SELECT count(*) FROM contacts WHERE account_id = $1`, []any{accountID},
		func(r pgx.Row) error { return r.Scan(&n) })
	return n, err
}

func (t *txn) UpdateContact(c *store.Contact) error {
	return t.write(`UPDATE contacts SET address = $1, name = $2, note = $3, updated_at = $4
		WHERE id = $5 AND account_id = $6`, c.Address, c.Name, c.Note, ts(c.UpdatedAt), c.ID, c.AccountID)
}

func (t *txn) DeleteContact(accountID, id string) error {
	return t.write(`DELETE FROM contacts WHERE id = $1 AND account_id = $2`, id, accountID)
}

func (t *txn) DeleteAccountContacts(accountID string) error {
	return t.write(`DELETE FROM contacts WHERE account_id = $1`, accountID)
}
