package mailbox

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// The holder's own folders (TR PVD-FU §3.1.3.7): categories they file
// letters in, besides the system folders, which they can neither rename,
// delete nor move letters into except as below.
//
//   - A folder has a name of 1 to MaxFolderName characters, unique in the
//     account (compared as stored, after trimming spaces) and none of the
//     system folders' names; an account has at most MaxFolders.
//   - Move files a letter from Inbox or Sent (or from one of the holder's
//     folders) into one of the holder's folders, or back: a received letter
//     back to Inbox only, a sent one to Sent only (the copy's Role says
//     which, so a letter never loses where it belongs). Nothing moves into
//     the trash (that is Delete) nor out of it (that is Restore, which
//     brings a letter back to the folder it was deleted from, or to Inbox
//     or Sent when that folder is gone). Confirmations stay in
//     Confirmations: the personal rule of a confirmation depends on it
//     (needsHigh). A personal letter may be moved at any level: moving
//     shows nothing of its content.
//   - A folder is deleted only when it is empty: a holder never loses
//     track of a letter by deleting a folder.
//   - CopyTo files a second copy of a letter from Inbox, Sent or one of
//     the holder's folders into another of the holder's folders (copy.go).
//     The new copy names the one it was made from (store.Copy.Origin): the
//     evidence, the receipt and the pickup stay that one's, and the new
//     copy shows them; it is deleted, restored and moved like any other.

// MaxFolders bounds an account's own folders; MaxFolderName a folder's
// name, in characters.
const (
	MaxFolders    = 100
	MaxFolderName = 64
)

// FolderInfo is one of the holder's folders with the number of letters in
// it.
type FolderInfo struct {
	store.UserFolderInfo
	Letters int
}

// Folder is its store.Folder: what List, Move and the copies' Folder say.
func (f *FolderInfo) Folder() store.Folder { return store.UserFolder(f.ID) }

// Folders lists p's folders by name, each with its letters counted.
func (s *Service) Folders(ctx context.Context, p *auth.Principal) ([]FolderInfo, error) {
	var out []FolderInfo
	err := s.Store.View(ctx, func(tx store.Tx) error {
		all, err := tx.AccountFolders(p.Account.ID)
		if err != nil {
			return err
		}
		counts, err := tx.FolderCounts(p.Account.ID)
		if err != nil {
			return err
		}
		out = make([]FolderInfo, 0, len(all))
		for _, f := range all {
			out = append(out, FolderInfo{UserFolderInfo: f, Letters: counts[store.UserFolder(f.ID)]})
		}
		return nil
	})
	return out, err
}

// FolderByID returns p's folder id with its letters counted.
func (s *Service) FolderByID(ctx context.Context, p *auth.Principal, id string) (*FolderInfo, error) {
	var out *FolderInfo
	err := s.Store.View(ctx, func(tx store.Tx) error {
		f, err := folderOf(tx, p, id, "id")
		if err != nil {
			return err
		}
		counts, err := tx.FolderCounts(p.Account.ID)
		out = &FolderInfo{UserFolderInfo: *f, Letters: counts[store.UserFolder(f.ID)]}
		return err
	})
	return out, err
}

// CreateFolder makes a folder named name.
func (s *Service) CreateFolder(ctx context.Context, p *auth.Principal, name string) (*FolderInfo, error) {
	name, err := folderName(name)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	f := &store.UserFolderInfo{AccountID: p.Account.ID, Name: name, CreatedAt: now}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		f.ID = store.NewID(now)
		all, err := tx.AccountFolders(p.Account.ID)
		if err != nil {
			return err
		}
		if len(all) >= MaxFolders {
			return problem.New(problem.TooMany, "", "too_many_folders", "you have %d folders, the most an account may have", len(all))
		}
		return folderConflict(tx.InsertFolder(f), name)
	})
	if err != nil {
		return nil, err
	}
	s.Log.Info("folder created", "account", p.Account.ID, "folder", f.ID)
	return &FolderInfo{UserFolderInfo: *f}, nil
}

// RenameFolder names p's folder id anew.
func (s *Service) RenameFolder(ctx context.Context, p *auth.Principal, id, name string) (*FolderInfo, error) {
	name, err := folderName(name)
	if err != nil {
		return nil, err
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		if _, err := folderOf(tx, p, id, "id"); err != nil {
			return err
		}
		return folderConflict(tx.RenameFolder(p.Account.ID, id, name), name)
	})
	if err != nil {
		return nil, err
	}
	return s.FolderByID(ctx, p, id)
}

// DeleteFolder deletes p's folder id, which must be empty.
func (s *Service) DeleteFolder(ctx context.Context, p *auth.Principal, id string) error {
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		f, err := folderOf(tx, p, id, "id")
		if err != nil {
			return err
		}
		counts, err := tx.FolderCounts(p.Account.ID)
		if err != nil {
			return err
		}
		if n := counts[store.UserFolder(id)]; n > 0 {
			return problem.New(problem.Conflict, "id", "folder_not_empty",
				"folder %q holds %d letters: move them elsewhere (or delete them) first", f.Name, n)
		}
		return tx.DeleteFolder(p.Account.ID, id)
	})
	if err == nil {
		s.Log.Info("folder deleted", "account", p.Account.ID, "folder", id)
	}
	return err
}

// Move files p's copy id in folder to (see the rules above) and returns
// it as it is now.
func (s *Service) Move(ctx context.Context, p *auth.Principal, id string, to store.Folder) (*store.Copy, error) {
	var out *store.Copy
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		c, err := s.copyOf(tx, p, id)
		if err != nil {
			return err
		}
		switch c.Folder {
		case store.Trash:
			return problem.New(problem.Conflict, "id", "in_trash", "letter %s is in the trash: restore it first", id)
		case store.Confirmations:
			return problem.New(problem.Conflict, "id", "confirmation", "a confirmation stays in the confirmations folder")
		}
		if fid, ok := to.UserFolderID(); ok {
			if _, err := folderOf(tx, p, fid, "folder"); err != nil {
				return err
			}
		} else if home := HomeFolder(c); to != home {
			return problem.Field("folder", "invalid",
				"a letter moves into one of your folders (f:ID) or back to %s; into the trash only by deleting it", home)
		}
		out = c
		if c.Folder == to {
			return nil
		}
		c.Folder = to
		return tx.UpdateCopy(c)
	})
	return out, err
}

// HomeFolder is the system folder a letter filed in one of the holder's
// folders belongs to.
func HomeFolder(c *store.Copy) store.Folder {
	if c.Role == "sender" {
		return store.Sent
	}
	return store.Inbox
}

// folderOf loads p's folder id, named by the request's field; another
// account's looks missing.
func folderOf(tx store.Tx, p *auth.Principal, id, field string) (*store.UserFolderInfo, error) {
	f, err := tx.FolderByID(p.Account.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.New(problem.NotFound, field, "not_found", "no folder %s in this mailbox", id)
	}
	return f, err
}

func folderConflict(err error, name string) error {
	if errors.Is(err, store.ErrConflict) {
		return problem.New(problem.Conflict, "name", "folder_exists", "you have a folder named %q already", name)
	}
	return err
}

// folderName checks and trims a folder's name.
func folderName(name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case !utf8.ValidString(name):
		return "", problem.Field("name", "syntax", "The name is not valid UTF-8 text.")
	case name == "":
		return "", problem.Field("name", "required", "A folder needs a name.")
	case utf8.RuneCountInString(name) > MaxFolderName:
		return "", problem.Field("name", "too_long", "The name has %d characters; at most %d are allowed.",
			utf8.RuneCountInString(name), MaxFolderName)
	}
	for _, r := range name {
		if unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == '\u2028' || r == '\u2029' {
			return "", problem.Field("name", "control_character", "The name contains a control character.")
		}
	}
	for _, sys := range []store.Folder{store.Inbox, store.Sent, store.Trash, store.Confirmations, store.Relay} {
		if strings.EqualFold(name, string(sys)) {
			return "", problem.Field("name", "reserved", "%q is the name of a system folder.", name)
		}
	}
	return name, nil
}
