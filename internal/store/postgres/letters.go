package postgres

import (
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

const letterCols = `id, message_id, sender_id, sender_address, subject, personal, sender_confirmed,
	dispatch_confirmation, receipt_confirmation, pickup_confirmation, private_id, auth_level,
	recipients, attachments, body_blob, body_inline, body_size, body_hash, submitted_at`

func (t *txn) InsertLetter(l *store.Letter) error {
	err := t.write(`INSERT INTO letters (`+letterCols+`, body) VALUES
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20)`,
		l.ID, l.MessageID, l.SenderID, l.SenderAddress, l.Subject, l.Personal, l.SenderConfirmed,
		l.DispatchConfirmation, l.ReceiptConfirmation, l.PickupConfirmation, l.PrivateID,
		string(l.AuthLevel), nonNil(l.Recipients), l.Attachments, l.BodyBlob, l.BodyInline, l.BodySize,
		nonNil(l.BodyHash), ts(l.SubmittedAt), l.BodySealed)
	if err != nil {
		return err
	}
	return t.indexLetter(l) // search.go
}

// scanLetter scans a letter's columns, after the columns prefix names.
func scanLetter(r pgx.Row, prefix ...any) (*store.Letter, error) {
	var l store.Letter
	var level string
	err := r.Scan(append(prefix, &l.ID, &l.MessageID, &l.SenderID, &l.SenderAddress, &l.Subject, &l.Personal,
		&l.SenderConfirmed, &l.DispatchConfirmation, &l.ReceiptConfirmation, &l.PickupConfirmation, &l.PrivateID,
		&level, &l.Recipients, &l.Attachments, &l.BodyBlob, &l.BodyInline, &l.BodySize, &l.BodyHash,
		tsz{&l.SubmittedAt})...)
	if err != nil {
		return nil, err
	}
	l.AuthLevel = account.Level(level)
	return &l, nil
}

func (t *txn) LetterByID(id string) (*store.Letter, error) {
	var l *store.Letter
	err := t.row(`SELECT `+letterCols+` FROM letters WHERE id = $1`, []any{id}, func(r pgx.Row) (err error) {
		l, err = scanLetter(r)
		return err
	})
	return l, err
}

// LetterByMessageID reads through the UNIQUE index on message_id.
func (t *txn) LetterByMessageID(messageID string) (*store.Letter, error) {
	var l *store.Letter
	err := t.row(`SELECT `+letterCols+` FROM letters WHERE message_id = $1`, []any{messageID},
		func(r pgx.Row) (err error) {
			l, err = scanLetter(r)
			return err
		})
	return l, err
}

// DeleteLetter deletes the letter and its events; its copies must be gone
// (the foreign key refuses otherwise, as in SQLite).
func (t *txn) DeleteLetter(id string) error {
	if err := t.write(`DELETE FROM events WHERE letter_id = $1`, id); err != nil {
		return err
	}
	return t.write(`DELETE FROM letters WHERE id = $1`, id)
}

func (t *txn) Body(letterID string) ([]byte, error) {
	var b []byte
	err := t.row(`SELECT body FROM letters WHERE id = $1 AND body_inline`, []any{letterID},
		func(r pgx.Row) error { return r.Scan(&b) })
	return b, err
}

func (t *txn) CountLetterBlobRefs(blobID string) (int, error) {
	var n int
	err := t.row(`SELECT count(*) FROM letters WHERE body_blob = $1`, []any{blobID},
		func(r pgx.Row) error { return r.Scan(&n) })
	return n, err
}

// InsertCopy inserts every copy in one statement, whatever their number: the
// rows travel as one array per column.
func (t *txn) InsertCopy(cs ...*store.Copy) error {
	if len(cs) == 0 {
		return nil
	}
	n := len(cs)
	ids, letters, accounts, folders, prevs, roles := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	remotes, origins := make([]string, n), make([]string, n)
	headers, awaits := make([][]byte, n), make([]bool, n)
	arrived, read, picked, trashed := make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n),
		make([]pgtype.Timestamptz, n), make([]pgtype.Timestamptz, n)
	for i, c := range cs {
		ids[i], letters[i], accounts[i], folders[i], prevs[i], roles[i] = c.ID, c.LetterID, c.AccountID,
			string(c.Folder), string(c.PrevFolder), c.Role
		headers[i], awaits[i], remotes[i], origins[i] = nonNil(c.Header), c.AwaitsPickup, c.Remote, c.Origin
		arrived[i], read[i], picked[i], trashed[i] = ts(c.Arrived), ts(c.FirstRead), ts(c.PickedUp), ts(c.TrashedAt)
	}
	return t.write(`INSERT INTO copies (id, letter_id, account_id, folder, prev_folder, role, header, arrived,
		first_read, picked_up, trashed_at, awaits_pickup, remote, origin)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bytea[],
			$8::timestamptz[], $9::timestamptz[], $10::timestamptz[], $11::timestamptz[], $12::boolean[], $13::text[],
			$14::text[])`,
		ids, letters, accounts, folders, prevs, roles, headers, arrived, read, picked, trashed, awaits, remotes, origins)
}

// UpdateCopy changes what can change of a copy: where it is and what happened
// to it.
func (t *txn) UpdateCopy(c *store.Copy) error {
	return t.write(`UPDATE copies SET folder = $1, prev_folder = $2, first_read = $3, picked_up = $4,
		trashed_at = $5 WHERE id = $6`, string(c.Folder), string(c.PrevFolder), ts(c.FirstRead),
		ts(c.PickedUp), ts(c.TrashedAt), c.ID)
}

func (t *txn) DeleteCopy(id string) error {
	return t.write(`DELETE FROM copies WHERE id = $1`, id)
}

const copyJoin = `SELECT c.id, c.letter_id, c.account_id, c.folder, c.prev_folder, c.role, c.header, c.arrived,
	c.first_read, c.picked_up, c.trashed_at, c.awaits_pickup, c.remote, c.origin, ` + `l.id, l.message_id, l.sender_id,
	l.sender_address, l.subject, l.personal, l.sender_confirmed, l.dispatch_confirmation, l.receipt_confirmation,
	l.pickup_confirmation, l.private_id, l.auth_level, l.recipients, l.attachments, l.body_blob, l.body_inline,
	l.body_size, l.body_hash, l.submitted_at FROM copies c JOIN letters l ON l.id = c.letter_id`

// scanCopy scans a copy joined with its letter.
func scanCopy(r pgx.Row) (store.Copy, error) {
	var c store.Copy
	var folder, prev string
	l, err := scanLetter(r, &c.ID, &c.LetterID, &c.AccountID, &folder, &prev, &c.Role, &c.Header,
		tsz{&c.Arrived}, tsz{&c.FirstRead}, tsz{&c.PickedUp}, tsz{&c.TrashedAt}, &c.AwaitsPickup, &c.Remote, &c.Origin)
	if err != nil {
		return store.Copy{}, err
	}
	c.Folder, c.PrevFolder, c.Letter = store.Folder(folder), store.Folder(prev), l
	return c, nil
}

func (t *txn) CopyByID(id string) (*store.Copy, error) {
	var c store.Copy
	err := t.row(copyJoin+` WHERE c.id = $1`, []any{id}, func(r pgx.Row) (err error) {
		c, err = scanCopy(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// ListCopies pages newest first by (arrived, id): copies_mailbox in order.
func (t *txn) ListCopies(accountID string, folder store.Folder, before *store.Cursor, limit int) ([]store.Copy, error) {
	bt, bid := infinity(), ""
	if before != nil {
		bt, bid = ts(before.Arrived), before.ID
	}
	return collect(t, copyJoin+` WHERE c.account_id = $1 AND c.folder = $2 AND (c.arrived, c.id) < ($3, $4)
		ORDER BY c.arrived DESC, c.id DESC LIMIT $5`, []any{accountID, string(folder), bt, bid, limit}, scanCopy)
}

// PendingPickups repeats copies_pickup's condition, so that the planner uses
// that partial index.
func (t *txn) PendingPickups(accountID string) ([]store.Copy, error) {
	return collect(t, copyJoin+` WHERE c.account_id = $1 AND c.awaits_pickup AND c.picked_up = '-infinity'
		ORDER BY c.arrived, c.id`, []any{accountID}, scanCopy)
}

func (t *txn) CopiesOfLetter(letterID string) ([]store.Copy, error) {
	return collect(t, copyJoin+` WHERE c.letter_id = $1 ORDER BY c.id`, []any{letterID}, scanCopy)
}

// InsertEvent inserts every event in one statement, in the order given:
// events of the same time list in the order they were inserted.
func (t *txn) InsertEvent(es ...*store.Event) error {
	if len(es) == 0 {
		return nil
	}
	n := len(es)
	ids, letters, copies, accounts, kinds, levels := make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	at := make([]pgtype.Timestamptz, n)
	for i, e := range es {
		ids[i], letters[i], copies[i], accounts[i], kinds[i], levels[i] = e.ID, e.LetterID, e.CopyID,
			e.AccountID, e.Kind, string(e.Level)
		at[i] = ts(e.At)
	}
	return t.write(`INSERT INTO events (id, letter_id, copy_id, account_id, kind, at, level)
		SELECT id, letter_id, copy_id, account_id, kind, at, level
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::text[])
			WITH ORDINALITY AS e (id, letter_id, copy_id, account_id, kind, at, level, i)
		ORDER BY i`, ids, letters, copies, accounts, kinds, at, levels)
}

func (t *txn) Events(letterID string) ([]store.Event, error) {
	return collect(t, `SELECT id, letter_id, copy_id, account_id, kind, at, level
		FROM events WHERE letter_id = $1 ORDER BY at, n`, []any{letterID}, func(r pgx.Row) (store.Event, error) {
		var e store.Event
		var level string
		err := r.Scan(&e.ID, &e.LetterID, &e.CopyID, &e.AccountID, &e.Kind, tsz{&e.At}, &level)
		e.Level = account.Level(level)
		return e, err
	})
}
