package sqlite

import (
	"github.com/siegel-mail/siegel/internal/store"
)

const folderCols = `id, account_id, name, created_at`

func (t *txn) InsertFolder(f *store.UserFolderInfo) error {
	return t.exec(`INSERT INTO folders (`+folderCols+`) VALUES (?,?,?,?)`,
		f.ID, f.AccountID, f.Name, tm(f.CreatedAt))
}

func scanFolder(row scanner) (*store.UserFolderInfo, error) {
	var f store.UserFolderInfo
	var created int64
	if err := row.Scan(&f.ID, &f.AccountID, &f.Name, &created); err != nil {
		return nil, mapErr(err)
	}
	f.CreatedAt = fromTm(created)
	return &f, nil
}

func (t *txn) FolderByID(accountID, id string) (*store.UserFolderInfo, error) {
	return scanFolder(t.q.QueryRowContext(t.ctx, `SELECT `+folderCols+` FROM folders
		WHERE id = ? AND account_id = ?`, id, accountID))
}

func (t *txn) AccountFolders(accountID string) ([]store.UserFolderInfo, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+folderCols+` FROM folders WHERE account_id = ?
		ORDER BY name, id`, accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.UserFolderInfo
	for rows.Next() {
		f, err := scanFolder(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *f)
	}
	return out, mapErr(rows.Err())
}

func (t *txn) FolderCounts(accountID string) (map[store.Folder]int, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	// One count per folder, each an equality on the index copies_mailbox.
	rows, err := t.q.QueryContext(t.ctx, `SELECT 'f:' || f.id, (SELECT COUNT(*) FROM copies c
		WHERE c.account_id = ?1 AND c.folder = 'f:' || f.id) FROM folders f WHERE f.account_id = ?1`,
		accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[store.Folder]int{}
	for rows.Next() {
		var f string
		var n int
		if err := rows.Scan(&f, &n); err != nil {
			return nil, mapErr(err)
		}
		if n > 0 {
			out[store.Folder(f)] = n
		}
	}
	return out, mapErr(rows.Err())
}

func (t *txn) RenameFolder(accountID, id, name string) error {
	return t.exec(`UPDATE folders SET name = ? WHERE id = ? AND account_id = ?`, name, id, accountID)
}

func (t *txn) DeleteFolder(accountID, id string) error {
	return t.exec(`DELETE FROM folders WHERE id = ? AND account_id = ?`, id, accountID)
}

func (t *txn) DeleteAccountFolders(accountID string) error {
	return t.exec(`DELETE FROM folders WHERE account_id = ?`, accountID)
}
