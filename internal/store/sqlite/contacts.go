package sqlite

import (
	"github.com/siegel-mail/siegel/internal/store"
)

const contactCols = `id, account_id, address, name, note, created_at, updated_at`

func (t *txn) InsertContact(c *store.Contact) error {
	return t.exec(`INSERT INTO contacts (`+contactCols+`) VALUES (?,?,?,?,?,?,?)`,
		c.ID, c.AccountID, c.Address, c.Name, c.Note, tm(c.CreatedAt), tm(c.UpdatedAt))
}

func scanContact(row scanner) (*store.Contact, error) {
	var c store.Contact
	var created, updated int64
	if err := row.Scan(&c.ID, &c.AccountID, &c.Address, &c.Name, &c.Note, &created, &updated); err != nil {
		return nil, mapErr(err)
	}
	c.CreatedAt, c.UpdatedAt = fromTm(created), fromTm(updated)
	return &c, nil
}

func (t *txn) ContactByID(accountID, id string) (*store.Contact, error) {
	return scanContact(t.q.QueryRowContext(t.ctx, `SELECT `+contactCols+` FROM contacts
		WHERE id = ? AND account_id = ?`, id, accountID))
}

func (t *txn) ContactByAddress(accountID, addr string) (*store.Contact, error) {
	return scanContact(t.q.QueryRowContext(t.ctx, `SELECT `+contactCols+` FROM contacts
		WHERE account_id = ? AND address = ?`, accountID, addr))
}

func (t *txn) AccountContacts(accountID string, after *store.ContactCursor, limit int) ([]store.Contact, error) {
	q, args := `SELECT `+contactCols+` FROM contacts WHERE account_id = ?
		ORDER BY name, address LIMIT ?`, []any{accountID, limit}
	if after != nil {
		q = `SELECT ` + contactCols + ` FROM contacts WHERE account_id = ? AND (name, address) > (?, ?)
		ORDER BY name, address LIMIT ?`
		args = []any{accountID, after.Name, after.Address, limit}
	}
	rows, err := t.q.QueryContext(t.ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Contact
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, mapErr(rows.Err())
}

func (t *txn) CountContacts(accountID string) (int, error) {
	var n int
	err := t.q.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM contacts WHERE account_id = ?`, accountID).Scan(&n)
	return n, mapErr(err)
}

func (t *txn) UpdateContact(c *store.Contact) error {
	return t.exec(`UPDATE contacts SET address = ?, name = ?, note = ?, updated_at = ? WHERE id = ? AND account_id = ?`,
		c.Address, c.Name, c.Note, tm(c.UpdatedAt), c.ID, c.AccountID)
}

func (t *txn) DeleteContact(accountID, id string) error {
	return t.exec(`DELETE FROM contacts WHERE id = ? AND account_id = ?`, id, accountID)
}

func (t *txn) DeleteAccountContacts(accountID string) error {
	return t.exec(`DELETE FROM contacts WHERE account_id = ?`, accountID)
}
