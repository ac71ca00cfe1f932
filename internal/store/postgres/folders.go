package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

const folderCols = `id, account_id, name, created_at`

func (t *txn) InsertFolder(f *store.UserFolderInfo) error {
	return t.write(`INSERT INTO folders (`+folderCols+`) VALUES ($1,$2,$3,$4)`,
		f.ID, f.AccountID, f.Name, ts(f.CreatedAt))
}

func scanFolder(r pgx.Row) (store.UserFolderInfo, error) {
	var f store.UserFolderInfo
	err := r.Scan(&f.ID, &f.AccountID, &f.Name, tsz{&f.CreatedAt})
	return f, err
}

func (t *txn) FolderByID(accountID, id string) (*store.UserFolderInfo, error) {
	var f store.UserFolderInfo
	err := t.row(`SELECT `+folderCols+` FROM folders WHERE id = $1 AND account_id = $2`, []any{id, accountID},
		func(r pgx.Row) (err error) {
			f, err = scanFolder(r)
			return err
		})
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func (t *txn) AccountFolders(accountID string) ([]store.UserFolderInfo, error) {
	return collect(t, `SELECT `+folderCols+` FROM folders WHERE account_id = $1 ORDER BY name, id`,
		[]any{accountID}, scanFolder)
}

type folderCount struct {
	folder store.Folder
	n      int
}

// FolderCounts counts each folder with an equality on copies_mailbox.
func (t *txn) FolderCounts(accountID string) (map[store.Folder]int, error) {
	counts, err := collect(t, `SELECT 'f:' || f.id, (SELECT count(*) FROM copies c
		WHERE c.account_id = $1 AND c.folder = 'f:' || f.id) FROM folders f WHERE f.account_id = $1`,
		[]any{accountID}, func(r pgx.Row) (folderCount, error) {
			var c folderCount
			err := r.Scan((*string)(&c.folder), &c.n)
			return c, err
		})
	if err != nil {
		return nil, err
	}
	out := map[store.Folder]int{}
	for _, c := range counts {
		if c.n > 0 {
			out[c.folder] = c.n
		}
	}
	return out, nil
}

func (t *txn) RenameFolder(accountID, id, name string) error {
	return t.write(`UPDATE folders SET name = $1 WHERE id = $2 AND account_id = $3`, name, id, accountID)
}

func (t *txn) DeleteFolder(accountID, id string) error {
	return t.write(`DELETE FROM folders WHERE id = $1 AND account_id = $2`, id, accountID)
}

func (t *txn) DeleteAccountFolders(accountID string) error {
	return t.write(`DELETE FROM folders WHERE account_id = $1`, accountID)
}
