package store

import (
	"strings"
	"time"
)

// FolderTx keeps the holders' own folders: categories they file letters
// in (TR PVD-FU §3.1.3.7). A folder belongs to one account, which must
// exist (a store may enforce that); a copy filed in it has Folder
// UserFolder(id) (see Folder). The store keeps what package mailbox
// decided: it checks no name and moves no copy.
type FolderTx interface {
	// InsertFolder stores a new folder; ErrConflict when its id is taken
	// or the account has a folder of that name.
	InsertFolder(f *UserFolderInfo) error
	// FolderByID finds accountID's folder id; ErrNotFound when there is
	// none, or it is another account's.
	FolderByID(accountID, id string) (*UserFolderInfo, error)
	// AccountFolders lists an account's folders by Name (bytewise), then
	// ID. An account has few (package mailbox bounds them): no paging.
	AccountFolders(accountID string) ([]UserFolderInfo, error)
	// FolderCounts counts an account's copies in each of its own folders,
	// keyed by their Folder (UserFolder(id)); a folder without copies is
	// missing from the map.
	FolderCounts(accountID string) (map[Folder]int, error)
	// RenameFolder sets the name of accountID's folder id; ErrConflict
	// when the account has another folder of that name. One that does not
	// exist is no error.
	RenameFolder(accountID, id, name string) error
	// DeleteFolder deletes accountID's folder id, and nothing else: the
	// caller sees to the copies in it. One that does not exist is no
	// error.
	DeleteFolder(accountID, id string) error
	// DeleteAccountFolders deletes every folder of an account (when it
	// closes: the names are the holder's personal data).
	DeleteAccountFolders(accountID string) error
}

// UserFolderInfo is one folder a holder made.
type UserFolderInfo struct {
	ID        string
	AccountID string
	// Name is unique within the account.
	Name      string
	CreatedAt time.Time
}

// userFolderPrefix marks the Folder of a holder's own folder.
const userFolderPrefix = "f:"

// UserFolder is the Folder of the holder's folder id: "f:" and the id.
func UserFolder(id string) Folder { return Folder(userFolderPrefix + id) }

// UserFolderID returns the id of the holder's folder f is, and false when
// f is no such folder (a system folder, or nothing).
func (f Folder) UserFolderID() (string, bool) {
	id, ok := strings.CutPrefix(string(f), userFolderPrefix)
	return id, ok && id != ""
}
