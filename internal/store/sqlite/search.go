package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/searchsql"
)

// The search index (TR PVD-FU §3.1.3.8; store.SearchTx): migration 9 holds
// the tables and the triggers that keep each copy's rows; this file writes a
// letter's terms and runs searches (store/searchsql).

// indexLetters writes the index terms of letters just inserted, before any
// of their copies: the copies' triggers read them.
func indexLetters(t *txn, ls []*store.Letter) error {
	type row struct {
		id             string
		personal       bool
		received, sent []byte
	}
	rows := make([]row, 0, len(ls))
	for _, l := range ls {
		received, sent, err := store.LetterTerms(l)
		if err != nil {
			return err
		}
		rows = append(rows, row{l.ID, l.Personal, received, sent})
	}
	return insertRows(t, `INSERT INTO letter_terms (letter_id, personal, terms, sender_terms) VALUES `, "(?,?,?,?)", rows,
		func(r row) []any { return []any{r.id, b2i(r.personal), string(r.received), string(r.sent)} })
}

// binder binds times as the store keeps them: Unix microseconds.
func binder() searchsql.Binder {
	return searchsql.Binder{Time: func(t time.Time) any { return tm(t) }, Latest: int64(math.MaxInt64)}
}

func (t *txn) SearchCopies(q *store.SearchQuery) ([]store.Copy, error) {
	if err := t.flush(); err != nil {
		return nil, err
	}
	counts := searchsql.NewCounts(q)
	if c, into := searchsql.Counts(q, binder()); c.SQL != "" {
		n := make([]int, len(into))
		dest := make([]any, len(into))
		for i := range n {
			dest[i] = &n[i]
		}
		if err := t.q.QueryRowContext(t.ctx, c.SQL, c.Args...).Scan(dest...); err != nil {
			return nil, mapErr(err)
		}
		for i, at := range into {
			counts[at] = n[i]
		}
	}
	// The page's copies with their letters, in the statement that chooses
	// them.
	sel := searchsql.Select(q, counts, binder())
	rows, err := t.q.QueryContext(t.ctx, strings.Replace(copyJoin, " FROM copies c JOIN", " FROM ("+sel.SQL+
		") d JOIN copies c ON c.id = d.copy_id JOIN", 1)+" ORDER BY d.arrived DESC, d.copy_id DESC", sel.Args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return collectCopies(rows)
}

// backfillBatch is how many letters one transaction of the backfill indexes.
const backfillBatch = 500

// backfillSearch indexes the letters written before the index (listed in
// search_backfill by migration 9), a batch per transaction, so that data of
// every earlier version is found (DESIGN "Storage"): each letter's terms,
// then its copies' rows as the triggers would have written them (none for a
// closed account). It runs when the store opens, before anything else
// writes; with nothing listed it costs one read.
func backfillSearch(ctx context.Context, db *sql.DB) error {
	for {
		n, err := backfillOnce(ctx, db)
		if err != nil {
			return fmt.Errorf("store: index letters for search: %w", err)
		}
		if n == 0 {
			return nil
		}
	}
}

func backfillOnce(ctx context.Context, db *sql.DB) (int, error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT letter_id FROM search_backfill ORDER BY letter_id LIMIT ?`, backfillBatch)
	if err != nil {
		return 0, err
	}
	var todo []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return 0, err
		}
		todo = append(todo, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(todo) == 0 {
		return 0, err
	}
	var ls []*store.Letter
	for _, id := range todo {
		l, err := scanLetter(tx.QueryRowContext(ctx, `SELECT `+letterCols+` FROM letters WHERE id = ?`, id))
		switch {
		case errors.Is(err, store.ErrNotFound): // deleted meanwhile: nothing to index
		case err != nil:
			return 0, err
		default:
			ls = append(ls, l)
		}
	}
	t := &txn{ctx: ctx, q: tx}
	if err := indexLetters(t, ls); err != nil {
		return 0, err
	}
	for _, l := range ls {
		if _, err := tx.ExecContext(ctx, `INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
			SELECT account_id, term, arrived, copy_id, folder, hidden, fields FROM search_copy_terms t WHERE letter_id = ?
				AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id AND a.status = 'closed')`, l.ID); err != nil {
			return 0, err
		}
	}
	list, _ := json.Marshal(todo)
	if _, err := tx.ExecContext(ctx, `DELETE FROM search_backfill WHERE letter_id IN (SELECT value FROM json_each(?))`,
		string(list)); err != nil {
		return 0, err
	}
	return len(todo), tx.Commit()
}
