package mailbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/export"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// Export (TR PVD-FU §3.1.3.4; TR PVD-IO §3.6): a holder takes their
// mailbox with them, a folder as an mbox or the whole account as one
// archive with every letter and every evidence file they may have
// (package export has the formats). One letter is Open's Raw.
//
// The rules are those of every other view:
//
//   - Below high, a personal letter's content is hidden (Hidden; DMG
//     §5(4)), and so it is from an export: an mbox leaves it out, an
//     archive lists it with its sender, arrival and folder only
//     (export.WithheldPersonal), and ExportStats.Withheld counts it. An
//     export at high has everything.
//   - The evidence in an archive is what Evidence gives the holder of
//     each copy (mayHaveEvidence): the sender all of it, a recipient that
//     of their own copy. A holder with two copies of one letter (a letter
//     to themselves) gets each evidence once, with the first copy that
//     may have it. The evidence of a letter the holder finally deleted
//     stays with its confirmation message, whose attachment it is.
//   - Exporting a folder or the account is no reading: it marks nothing
//     read. (One letter's file is Open's, which does.)
//
// The store is read a page at a time and each letter's body only when it
// is written, so a mailbox of any size is exported in the memory of its
// largest letter. Each page is a snapshot of its own: a letter moved
// while an export runs may be missed or written twice, as a listing's
// paging allows; a letter that arrives meanwhile is not in it.

// ExportStats is what an export wrote.
type ExportStats struct {
	Letters  int // letters written
	Evidence int // evidence files written (an archive's)
	Withheld int // personal letters left out below high
}

// exportFolders are the folders of a mailbox, in an archive's order.
var exportFolders = []store.Folder{store.Inbox, store.Sent, store.Confirmations, store.Trash}

// ExportFolder writes folder to w as an mbox (export.MboxWriter), newest
// letter first, and says what it wrote. A refused folder is an error
// before anything is written.
func (s *Service) ExportFolder(ctx context.Context, p *auth.Principal, folder store.Folder, w io.Writer) (ExportStats, error) {
	var st ExportStats
	if id, ok := folder.UserFolderID(); ok {
		err := s.Store.View(ctx, func(tx store.Tx) error {
			_, err := folderOf(tx, p, id, "folder")
			return err
		})
		if err != nil {
			return st, err
		}
	} else if !slices.Contains(exportFolders, folder) {
		return st, problem.Field("folder", "invalid", "folder must be inbox, sent, trash, confirmations or one of yours (f:ID)")
	}
	mb := export.NewMboxWriter(w)
	err := s.exportWalk(ctx, p, folder, func(c *store.Copy, raw []byte) error {
		if raw == nil {
			st.Withheld++
			return nil
		}
		st.Letters++
		return mb.Add(c.Letter.SenderAddress, c.Arrived, raw)
	})
	if err == nil {
		err = mb.Flush()
	}
	s.logExport(p, "folder "+string(folder), st, err)
	return st, err
}

// ExportAccount writes the whole account to w as one archive
// (export.Archive): every folder's letters (the system folders', then
// those of the holder's own, by name), each followed by the evidence
// the holder may have of it, then the index. The index waits in a
// temporary file (in TMPDIR) until the end.
func (s *Service) ExportAccount(ctx context.Context, p *auth.Principal, w io.Writer) (ExportStats, error) {
	var st ExportStats
	a, err := export.NewArchive(w, export.Index{Account: p.Account.Address, Provider: s.Domain,
		Created: s.Clock.Now(), Level: string(p.Level())}, "")
	if err != nil {
		return st, err
	}
	defer a.Abort()
	own, err := s.Folders(ctx, p)
	if err != nil {
		return st, err
	}
	folders := slices.Clone(exportFolders)
	for i := range own {
		folders = append(folders, own[i].Folder())
	}
	for _, f := range folders {
		err = s.exportWalk(ctx, p, f, func(c *store.Copy, raw []byte) error {
			e := letterEntry(c)
			if raw == nil {
				st.Withheld++
				return a.AddWithheld(e)
			}
			e.Path = export.LetterPath(folderPath(c.Folder), c.ID)
			if err := a.AddLetter(e, raw); err != nil {
				return err
			}
			st.Letters++
			evs, err := s.exportEvidence(ctx, p, c, e.Path)
			if err != nil {
				return err
			}
			for _, ev := range evs {
				if err := a.AddEvidence(ev.entry, ev.file); err != nil {
					return err
				}
				st.Evidence++
			}
			return nil
		})
		if err != nil {
			break
		}
	}
	if err == nil {
		err = a.Close()
	}
	s.logExport(p, "account", st, err)
	return st, err
}

func (s *Service) logExport(p *auth.Principal, what string, st ExportStats, err error) {
	if err != nil {
		s.Log.Warn("export failed", "account", p.Account.ID, "what", what, "letters", st.Letters, "err", err)
		return
	}
	s.Log.Info("export", "account", p.Account.ID, "what", what, "level", p.Level(), "letters", st.Letters,
		"evidence", st.Evidence, "withheld", st.Withheld)
}

// exportPage is how many copies one read of the store lists.
const exportPage = MaxPage

// exportWalk calls fn with each of p's copies in folder, newest first,
// and the copy's complete message, or nil when its content is hidden
// from p (Hidden).
func (s *Service) exportWalk(ctx context.Context, p *auth.Principal, folder store.Folder, fn func(c *store.Copy, raw []byte) error) error {
	var before *store.Cursor
	for {
		var page []store.Copy
		err := s.Store.View(ctx, func(tx store.Tx) error {
			var err error
			page, err = tx.ListCopies(p.Account.ID, folder, before, exportPage)
			return err
		})
		if err != nil {
			return err
		}
		for i := range page {
			if err := ctx.Err(); err != nil {
				return err
			}
			c := &page[i]
			if Hidden(c, p.Level()) {
				if err := fn(c, nil); err != nil {
					return err
				}
				continue
			}
			body, err := s.Body(ctx, c.Letter)
			if err != nil {
				return fmt.Errorf("letter %s: body %s: %w", c.LetterID, c.Letter.BodyBlob, err)
			}
			raw := make([]byte, 0, len(c.Header)+len(body))
			raw = append(append(raw, c.Header...), body...)
			if err := fn(c, raw); err != nil {
				return err
			}
		}
		if len(page) < exportPage {
			return nil
		}
		last := page[len(page)-1]
		before = &store.Cursor{Arrived: last.Arrived, ID: last.ID}
	}
}

// letterEntry is a copy's line in an archive's index.
// folderPath names a folder's directory in an archive: a system folder's
// name, or "folder-" and the id of one of the holder's.
func folderPath(f store.Folder) string {
	if id, ok := f.UserFolderID(); ok {
		return "folder-" + id
	}
	return string(f)
}

func letterEntry(c *store.Copy) export.Entry {
	l := c.Letter
	arrived := c.Arrived.UTC()
	e := export.Entry{Folder: string(c.Folder), CopyID: c.ID, LetterID: c.LetterID, MessageID: l.MessageID,
		Role: c.Role, From: l.SenderAddress, Subject: l.Subject, Arrived: &arrived, Personal: l.Personal,
		PrivateID: l.PrivateID}
	for _, o := range []struct {
		on   bool
		name string
	}{{l.SenderConfirmed, "sender_confirmed"}, {l.DispatchConfirmation, "dispatch_confirmation"},
		{l.ReceiptConfirmation, "receipt_confirmation"}, {l.PickupConfirmation, "pickup_confirmation"}} {
		if o.on {
			e.Options = append(e.Options, o.name)
		}
	}
	return e
}

// exportedEvidence is an evidence file with its index entry.
type exportedEvidence struct {
	entry export.Entry
	file  []byte
}

// exportEvidence is the evidence that goes into an archive with copy c,
// written at path: what p may have of c's letter (mayHaveEvidence), each
// evidence with the first of p's copies that may have it and is not
// hidden, in the order of the letter's life.
func (s *Service) exportEvidence(ctx context.Context, p *auth.Principal, c *store.Copy, path string) ([]exportedEvidence, error) {
	level := p.Level()
	var items []EvidenceItem
	conf := map[string]string{} // evidence id → the confirmation message's path
	err := s.Store.View(ctx, func(tx store.Tx) error {
		items = items[:0]
		all, err := tx.EvidenceOfLetter(c.LetterID)
		if err != nil || len(all) == 0 {
			return err
		}
		copies, err := tx.CopiesOfLetter(c.LetterID)
		if err != nil {
			return err
		}
		var mine []*store.Copy
		for i := range copies {
			if copies[i].AccountID == p.Account.ID {
				copies[i].Letter = c.Letter
				mine = append(mine, &copies[i])
			}
		}
		slices.SortFunc(mine, func(a, b *store.Copy) int { return strings.Compare(a.ID, b.ID) })
		for i := range all {
			e := &all[i]
			if carrier(mine, e, level) != c.ID {
				continue
			}
			item, err := evidenceItem(tx, p.Account.ID, *e)
			if err != nil {
				return err
			}
			if item.Confirmation != "" {
				cc, err := tx.CopyByID(item.Confirmation)
				switch {
				case errors.Is(err, store.ErrNotFound):
				case err != nil:
					return err
				case !Hidden(cc, level):
					conf[e.ID] = export.LetterPath(string(cc.Folder), cc.ID)
				}
			}
			items = append(items, item)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sortEvidence(items)
	out := make([]exportedEvidence, 0, len(items))
	for _, it := range items {
		at := it.At.UTC()
		out = append(out, exportedEvidence{file: it.File, entry: export.Entry{Path: export.EvidencePath(it.Event, it.ID),
			EvidenceID: it.ID, Event: it.Event, At: &at, Recipient: it.Recipient, Letter: path, Confirmation: conf[it.ID]}})
	}
	return out, nil
}

// carrier is the id of the copy of mine (p's copies of one letter, by
// id) that an archive writes e with: the first that may have it and whose
// content level shows; "" when none.
func carrier(mine []*store.Copy, e *store.Evidence, level account.Level) string {
	for _, h := range mine {
		if mayHaveEvidence(h, e) && !Hidden(h, level) {
			return h.ID
		}
	}
	return ""
}
