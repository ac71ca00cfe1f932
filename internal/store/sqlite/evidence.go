package sqlite

import (
	"github.com/siegel-mail/siegel/internal/store"
)

const evidenceCols = `id, letter_id, copy_id, event_id, event, at, file, confirmation_id, created_at`

func (t *txn) InsertEvidence(e *store.Evidence) error {
	if err := t.flush(); err != nil {
		return err
	}
	return t.exec(`INSERT INTO evidence (`+evidenceCols+`) VALUES (?,?,?,?,?,?,?,?,?)`, e.ID, e.LetterID,
		e.CopyID, e.EventID, e.Event, tm(e.At), e.File, e.ConfirmationID, tm(e.CreatedAt))
}

func scanEvidence(row scanner) (*store.Evidence, error) {
	var e store.Evidence
	var at, created int64
	if err := row.Scan(&e.ID, &e.LetterID, &e.CopyID, &e.EventID, &e.Event, &at, &e.File,
		&e.ConfirmationID, &created); err != nil {
		return nil, mapErr(err)
	}
	e.At, e.CreatedAt = fromTm(at), fromTm(created)
	return &e, nil
}

func (t *txn) EvidenceByID(id string) (*store.Evidence, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	return scanEvidence(t.q.QueryRowContext(t.ctx, `SELECT `+evidenceCols+` FROM evidence WHERE id = ?`, id))
}

func (t *txn) EvidenceOfLetter(letterID string) ([]store.Evidence, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+evidenceCols+` FROM evidence WHERE letter_id = ?
		ORDER BY at, rowid`, letterID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Evidence
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, rows.Err()
}
