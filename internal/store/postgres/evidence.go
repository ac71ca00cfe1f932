package postgres

import (
	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
)

const evidenceCols = `id, letter_id, copy_id, event_id, event, at, file, confirmation_id, created_at`

func (t *txn) InsertEvidence(e *store.Evidence) error {
	return t.write(`INSERT INTO evidence (`+evidenceCols+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`, e.ID, e.LetterID,
		e.CopyID, e.EventID, e.Event, ts(e.At), e.File, e.ConfirmationID, ts(e.CreatedAt))
}

func scanEvidence(r pgx.Row) (store.Evidence, error) {
	var e store.Evidence
	err := r.Scan(&e.ID, &e.LetterID, &e.CopyID, &e.EventID, &e.Event, tsz{&e.At}, &e.File,
		&e.ConfirmationID, tsz{&e.CreatedAt})
	return e, err
}

func (t *txn) EvidenceByID(id string) (*store.Evidence, error) {
	var e store.Evidence
	err := t.row(`SELECT `+evidenceCols+` FROM evidence WHERE id = $1`, []any{id}, func(r pgx.Row) (err error) {
		e, err = scanEvidence(r)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func (t *txn) EvidenceOfLetter(letterID string) ([]store.Evidence, error) {
	return collect(t, `SELECT `+evidenceCols+` FROM evidence WHERE letter_id = $1 ORDER BY at, created_at, id`,
		[]any{letterID}, scanEvidence)
}
