package sqlite

import (
	"strings"

	"github.com/siegel-mail/siegel/internal/store"
)

const passkeyCols = `id, account_id, rp_id, name, public_key, sign_count, aaguid, transports, flags,
	created_at, last_used`

// passkeyCount is the column every read of an account adds: how many
// passkeys it has (store.Account.Passkeys), from passkeys_account. alias
// names the accounts table in the query ("a." or "accounts.").
func passkeyCount(alias string) string {
	return `(SELECT COUNT(*) FROM passkeys WHERE passkeys.account_id = ` + alias + `id)`
}

func (t *txn) InsertPasskey(p *store.Passkey) error {
	if t.states != nil {
		t.states.touch(p.AccountID)
	}
	return t.exec(`INSERT INTO passkeys (`+passkeyCols+`) VALUES (?,?,?,?,?,?,?,?,?,?,?)`,
		nonNil(p.ID), p.AccountID, p.RPID, p.Name, nonNil(p.PublicKey), p.SignCount, nonNil(p.AAGUID),
		strings.Join(p.Transports, ","), p.Flags, tm(p.CreatedAt), tm(p.LastUsed))
}

func scanPasskey(row scanner) (*store.Passkey, error) {
	var p store.Passkey
	var transports string
	var created, used int64
	if err := row.Scan(&p.ID, &p.AccountID, &p.RPID, &p.Name, &p.PublicKey, &p.SignCount, &p.AAGUID,
		&transports, &p.Flags, &created, &used); err != nil {
		return nil, mapErr(err)
	}
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	p.CreatedAt, p.LastUsed = fromTm(created), fromTm(used)
	return &p, nil
}

func (t *txn) PasskeyByID(id []byte) (*store.Passkey, error) {
	return scanPasskey(t.q.QueryRowContext(t.ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE id = ?`, nonNil(id)))
}

func (t *txn) AccountPasskeys(accountID string) ([]store.Passkey, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+passkeyCols+` FROM passkeys WHERE account_id = ?
		ORDER BY created_at, id`, accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Passkey
	for rows.Next() {
		p, err := scanPasskey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *p)
	}
	return out, mapErr(rows.Err())
}

func (t *txn) UpdatePasskey(p *store.Passkey) error {
	return t.exec(`UPDATE passkeys SET name = ?, sign_count = ?, flags = ?, last_used = ? WHERE id = ?`,
		p.Name, p.SignCount, p.Flags, tm(p.LastUsed), nonNil(p.ID))
}

func (t *txn) DeletePasskey(accountID string, id []byte) error {
	if t.states != nil {
		t.states.touch(accountID)
	}
	return t.exec(`DELETE FROM passkeys WHERE id = ? AND account_id = ?`, nonNil(id), accountID)
}

func (t *txn) DeleteAccountPasskeys(accountID string) error {
	if t.states != nil {
		t.states.touch(accountID)
	}
	return t.exec(`DELETE FROM passkeys WHERE account_id = ?`, accountID)
}
