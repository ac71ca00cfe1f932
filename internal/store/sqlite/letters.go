package sqlite

import (
	"math"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

const letterCols = `id, message_id, sender_id, sender_address, subject, personal, sender_confirmed,
	dispatch_confirmation, receipt_confirmation, pickup_confirmation, private_id, auth_level,
	recipients, attachments, body_blob, body_inline, body_size, body_hash, submitted_at`

func (t *txn) InsertLetter(l *store.Letter) error {
	if t.buf != nil {
		t.buf.letters = append(t.buf.letters, l)
		return nil
	}
	return insertLetters(t, []*store.Letter{l})
}

func insertLetters(t *txn, ls []*store.Letter) error {
	err := insertRows(t, `INSERT INTO letters (`+letterCols+`, body) VALUES `, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", ls,
		func(l *store.Letter) []any {
			return []any{l.ID, l.MessageID, l.SenderID, l.SenderAddress, l.Subject, b2i(l.Personal), b2i(l.SenderConfirmed),
				b2i(l.DispatchConfirmation), b2i(l.ReceiptConfirmation), b2i(l.PickupConfirmation), l.PrivateID,
				string(l.AuthLevel), nonNil(l.Recipients), l.Attachments, l.BodyBlob, b2i(l.BodyInline), l.BodySize,
				nonNil(l.BodyHash), tm(l.SubmittedAt), l.BodySealed}
		})
	if err != nil {
		return err
	}
	return indexLetters(t, ls) // search.go
}

// nonNil binds b to a NOT NULL column: the driver binds a nil slice as NULL, but to
// callers nil and empty are the same bytes.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

func scanLetter(row scanner, prefix ...any) (*store.Letter, error) {
	var l store.Letter
	var pers, sc, dc, rc, pc, inline int
	var level string
	var sub int64
	dest := append(prefix, &l.ID, &l.MessageID, &l.SenderID, &l.SenderAddress, &l.Subject, &pers, &sc,
		&dc, &rc, &pc, &l.PrivateID, &level, &l.Recipients, &l.Attachments, &l.BodyBlob, &inline, &l.BodySize,
		&l.BodyHash, &sub)
	if err := row.Scan(dest...); err != nil {
		return nil, mapErr(err)
	}
	l.Personal, l.SenderConfirmed, l.DispatchConfirmation = pers == 1, sc == 1, dc == 1
	l.ReceiptConfirmation, l.PickupConfirmation = rc == 1, pc == 1
	l.AuthLevel, l.SubmittedAt, l.BodyInline = account.Level(level), fromTm(sub), inline == 1
	return &l, nil
}

func (t *txn) LetterByID(id string) (*store.Letter, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return scanLetter(t.q.QueryRowContext(t.ctx, `SELECT `+letterCols+` FROM letters WHERE id = ?`, id))
}

// LetterByMessageID reads through the UNIQUE index on message_id.
func (t *txn) LetterByMessageID(messageID string) (*store.Letter, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return scanLetter(t.q.QueryRowContext(t.ctx, `SELECT `+letterCols+` FROM letters WHERE message_id = ?`, messageID))
}

func (t *txn) DeleteLetter(id string) error {
	if err := t.flush(); err != nil {
		return err
	}
	if err := t.exec(`DELETE FROM events WHERE letter_id = ?`, id); err != nil {
		return err
	}
	return t.exec(`DELETE FROM letters WHERE id = ?`, id)
}

func (t *txn) Body(letterID string) ([]byte, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	var b []byte
	err := t.q.QueryRowContext(t.ctx, `SELECT body FROM letters WHERE id = ? AND body_inline = 1`, letterID).Scan(&b)
	return b, mapErr(err)
}

func (t *txn) CountLetterBlobRefs(blobID string) (int, error) {
	if err := t.flush(); err != nil {
		return 0, err
	}
	var n int
	err := t.q.QueryRowContext(t.ctx, `SELECT COUNT(*) FROM letters WHERE body_blob = ?`, blobID).Scan(&n)
	return n, err
}

const copyCols = `c.id, c.letter_id, c.account_id, c.folder, c.prev_folder, c.role, c.header, c.arrived,
	c.first_read, c.picked_up, c.trashed_at, c.awaits_pickup, c.remote, c.origin`

func (t *txn) InsertCopy(cs ...*store.Copy) error {
	if t.buf != nil {
		t.buf.copies = append(t.buf.copies, cs...)
		return nil
	}
	return insertCopies(t, cs)
}

func insertCopies(t *txn, cs []*store.Copy) error {
	return insertRows(t, `INSERT INTO copies (id, letter_id, account_id, folder, prev_folder, role, header, arrived,
		first_read, picked_up, trashed_at, awaits_pickup, remote, origin) VALUES `, "(?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cs,
		func(c *store.Copy) []any {
			return []any{c.ID, c.LetterID, c.AccountID, string(c.Folder), string(c.PrevFolder), c.Role,
				nonNil(c.Header), tm(c.Arrived), tm(c.FirstRead), tm(c.PickedUp), tm(c.TrashedAt), b2i(c.AwaitsPickup),
				c.Remote, c.Origin}
		})
}

// maxRowsPerInsert bounds a multi-row INSERT, and so the number of distinct
// statements the cache keeps for it.
const maxRowsPerInsert = 16

// insertRows inserts rows with as few statements as the bound allows: on the
// accept path each statement costs more than the rows in it.
func insertRows[T any](t *txn, head, tuple string, rows []T, args func(T) []any) error {
	for len(rows) > 0 {
		n := min(len(rows), maxRowsPerInsert)
		var q strings.Builder
		q.WriteString(head)
		var a []any
		for i, r := range rows[:n] {
			if i > 0 {
				q.WriteByte(',')
			}
			q.WriteString(tuple)
			a = append(a, args(r)...)
		}
		if err := t.exec(q.String(), a...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

func (t *txn) UpdateCopy(c *store.Copy) error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.exec(`UPDATE copies SET folder = ?, prev_folder = ?, first_read = ?, picked_up = ?,
		trashed_at = ? WHERE id = ?`, string(c.Folder), string(c.PrevFolder), tm(c.FirstRead),
		tm(c.PickedUp), tm(c.TrashedAt), c.ID)
}

func (t *txn) DeleteCopy(id string) error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.exec(`DELETE FROM copies WHERE id = ?`, id)
}

// scanCopyLetter scans a copy joined with its letter.
func scanCopyLetter(row scanner) (*store.Copy, error) {
	var c store.Copy
	var folder, prev string
	var arrived, read, high, trashed int64
	var awaits int
	l, err := scanLetter(row, &c.ID, &c.LetterID, &c.AccountID, &folder, &prev, &c.Role, &c.Header,
		&arrived, &read, &high, &trashed, &awaits, &c.Remote, &c.Origin)
	if err != nil {
		return nil, err
	}
	c.Folder, c.PrevFolder = store.Folder(folder), store.Folder(prev)
	c.Arrived, c.FirstRead, c.PickedUp, c.TrashedAt = fromTm(arrived), fromTm(read), fromTm(high), fromTm(trashed)
	c.Letter, c.AwaitsPickup = l, awaits == 1
	return &c, nil
}

const copyJoin = `SELECT ` + copyCols + `, l.id, l.message_id, l.sender_id, l.sender_address, l.subject,
	l.personal, l.sender_confirmed, l.dispatch_confirmation, l.receipt_confirmation, l.pickup_confirmation,
	l.private_id, l.auth_level, l.recipients, l.attachments, l.body_blob, l.body_inline, l.body_size, l.body_hash,
	l.submitted_at FROM copies c JOIN letters l ON l.id = c.letter_id`

func (t *txn) CopyByID(id string) (*store.Copy, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return scanCopyLetter(t.q.QueryRowContext(t.ctx, copyJoin+` WHERE c.id = ?`, id))
}

func (t *txn) ListCopies(accountID string, folder store.Folder, before *store.Cursor, limit int) ([]store.Copy, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	bt, bid := int64(math.MaxInt64), ""
	if before != nil {
		bt, bid = tm(before.Arrived), before.ID
	}
	rows, err := t.q.QueryContext(t.ctx, copyJoin+` WHERE c.account_id = ? AND c.folder = ?
		AND (c.arrived < ? OR (c.arrived = ? AND c.id < ?))
		ORDER BY c.arrived DESC, c.id DESC LIMIT ?`,
		accountID, string(folder), bt, bt, bid, limit)
	if err != nil {
		return nil, err
	}
	return collectCopies(rows)
}

func (t *txn) PendingPickups(accountID string) ([]store.Copy, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(t.ctx, copyJoin+` WHERE c.account_id = ? AND c.awaits_pickup = 1
		AND c.picked_up = 0 ORDER BY c.arrived, c.id`, accountID)
	if err != nil {
		return nil, err
	}
	return collectCopies(rows)
}

func (t *txn) CopiesOfLetter(letterID string) ([]store.Copy, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(t.ctx, copyJoin+` WHERE c.letter_id = ? ORDER BY c.id`, letterID)
	if err != nil {
		return nil, err
	}
	return collectCopies(rows)
}

type rowsIter interface {
	scanner
	Next() bool
	Err() error
	Close() error
}

func collectCopies(rows rowsIter) ([]store.Copy, error) {
	defer rows.Close()
	var out []store.Copy
	for rows.Next() {
		c, err := scanCopyLetter(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *c)
	}
	return out, rows.Err()
}

func (t *txn) InsertEvent(es ...*store.Event) error {
	if t.buf != nil {
		t.buf.events = append(t.buf.events, es...)
		return nil
	}
	return insertEvents(t, es)
}

func insertEvents(t *txn, es []*store.Event) error {
	return insertRows(t, `INSERT INTO events (id, letter_id, copy_id, account_id, kind, at, level) VALUES `,
		"(?,?,?,?,?,?,?)", es, func(e *store.Event) []any {
			return []any{e.ID, e.LetterID, e.CopyID, e.AccountID, e.Kind, tm(e.At), string(e.Level)}
		})
}

func (t *txn) Events(letterID string) ([]store.Event, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(t.ctx, `SELECT id, letter_id, copy_id, account_id, kind, at, level
		FROM events WHERE letter_id = ? ORDER BY at, rowid`, letterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Event
	for rows.Next() {
		var e store.Event
		var at int64
		var level string
		if err := rows.Scan(&e.ID, &e.LetterID, &e.CopyID, &e.AccountID, &e.Kind, &at, &level); err != nil {
			return nil, err
		}
		e.At, e.Level = fromTm(at), account.Level(level)
		out = append(out, e)
	}
	return out, rows.Err()
}
