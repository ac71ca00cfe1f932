package postgres

import (
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

const passkeyCols = `id, account_id, rp_id, name, public_key, sign_count, aaguid, transports, flags,
	created_at, last_used`

// passkeyCount is the column every read of an account adds: how many
// passkeys it has (store.Account.Passkeys), from passkeys_account. alias
// names the accounts table in the query ("a." or "accounts.").
func passkeyCount(alias string) string {
	return `(SELECT count(*) FROM passkeys WHERE passkeys.account_id = ` + alias + `id)`
}

func (t *txn) InsertPasskey(p *store.Passkey) error {
	return t.write(`INSERT INTO passkeys (`+passkeyCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)`,
		nonNil(p.ID), p.AccountID, p.RPID, p.Name, nonNil(p.PublicKey), p.SignCount, nonNil(p.AAGUID),
		strings.Join(p.Transports, ","), p.Flags, ts(p.CreatedAt), ts(p.LastUsed))
}

func scanPasskey(r pgx.Row) (store.Passkey, error) {
	var p store.Passkey
	var transports string
	err := r.Scan(&p.ID, &p.AccountID, &p.RPID, &p.Name, &p.PublicKey, &p.SignCount, &p.AAGUID, &transports,
		&p.Flags, tsz{&p.CreatedAt}, tsz{&p.LastUsed})
	if transports != "" {
		p.Transports = strings.Split(transports, ",")
	}
	return p, err
}

func (t *txn) PasskeyByID(id []byte) (*store.Passkey, error) {
	var p store.Passkey
	err := t.row(`SELECT `+passkeyCols+` FROM passkeys WHERE id = $1`, []any{nonNil(id)},
		func(r pgx.Row) (err error) {
			p, err = scanPasskey(r)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &p, nil
}

func (t *txn) AccountPasskeys(accountID string) ([]store.Passkey, error) {
	return collect(t, `SELECT `+passkeyCols+` FROM passkeys WHERE account_id = $1 ORDER BY created_at, id`,
		[]any{accountID}, scanPasskey)
}

func (t *txn) UpdatePasskey(p *store.Passkey) error {
	return t.write(`UPDATE passkeys SET name = $1, sign_count = $2, flags = $3, last_used = $4 WHERE id = $5`,
		p.Name, p.SignCount, p.Flags, ts(p.LastUsed), nonNil(p.ID))
}

func (t *txn) DeletePasskey(accountID string, id []byte) error {
	return t.write(`DELETE FROM passkeys WHERE id = $1 AND account_id = $2`, nonNil(id), accountID)
}

func (t *txn) DeleteAccountPasskeys(accountID string) error {
	return t.write(`DELETE FROM passkeys WHERE account_id = $1`, accountID)
}
