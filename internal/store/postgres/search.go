package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/searchsql"
)

// The search index (TR PVD-FU §3.1.3.8; store.SearchTx): migration 8 holds
// the tables and the triggers that keep each copy's rows; this file writes a
// letter's terms and runs searches (store/searchsql).

// indexLetter writes a letter's index terms, before any of its copies: the
// copies' trigger reads them.
func (t *txn) indexLetter(l *store.Letter) error {
	received, sent, err := store.LetterTerms(l)
	if err != nil {
		return err
	}
	return t.write(`INSERT INTO letter_terms (letter_id, personal, terms, sender_terms) VALUES ($1, $2, $3, $4)`,
		l.ID, l.Personal, string(received), nullJSON(sent))
}

// nullJSON binds b as jsonb, nil as NULL.
func nullJSON(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}

// binder binds times as timestamptz, the zero time as -infinity.
func binder() searchsql.Binder {
	return searchsql.Binder{Time: func(t time.Time) any { return ts(t) }, Latest: infinity()}
}

// dollars numbers searchsql's ? placeholders as PostgreSQL's $1, $2 …;
// its statements hold no ? of their own.
func dollars(sql string) string {
	var b strings.Builder
	n := 0
	for _, r := range sql {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (t *txn) SearchCopies(q *store.SearchQuery) ([]store.Copy, error) {
	counts := searchsql.NewCounts(q)
	if c, into := searchsql.Counts(q, binder()); c.SQL != "" {
		n := make([]int, len(into))
		dest := make([]any, len(into))
		for i := range n {
			dest[i] = &n[i]
		}
		if err := t.row(dollars(c.SQL), c.Args, func(r pgx.Row) error { return r.Scan(dest...) }); err != nil {
			return nil, err
		}
		for i, at := range into {
			counts[at] = n[i]
		}
	}
	// The page's copies with their letters, in the statement that chooses
	// them: one round trip.
	sel := searchsql.Select(q, counts, binder())
	return collect(t, strings.Replace(copyJoin, " FROM copies c JOIN", " FROM ("+dollars(sel.SQL)+
		") d JOIN copies c ON c.id = d.copy_id JOIN", 1)+" ORDER BY d.arrived DESC, d.copy_id DESC", sel.Args, scanCopy)
}

// backfillBatch is how many letters one transaction of the backfill indexes.
const backfillBatch = 500

// backfillSearch indexes the letters written before the index (listed in
// search_backfill by migration 8), a batch per transaction, so that data of
// every earlier version is found (DESIGN "Storage"): each letter's terms,
// then its copies' rows as the triggers would have written them (none for a
// closed account). It runs on the migration's connection, under its lock:
// one node does it, the others find nothing left; with nothing listed it
// costs one read.
func backfillSearch(ctx context.Context, conn *pgx.Conn) error {
	for {
		var n int
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			var err error
			n, err = backfillOnce(ctx, tx)
			return err
		})
		if err != nil {
			return fmt.Errorf("store: index letters for search: %w", mapErr(ctx, err, conn))
		}
		if n == 0 {
			return nil
		}
	}
}

func backfillOnce(ctx context.Context, tx pgx.Tx) (int, error) {
	rows, err := tx.Query(ctx, `SELECT letter_id FROM search_backfill ORDER BY letter_id LIMIT $1`, backfillBatch)
	if err != nil {
		return 0, err
	}
	todo, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(todo) == 0 {
		return 0, err
	}
	var ids, received []string
	var personal []bool
	var sent []*string
	for _, id := range todo {
		l, err := scanLetter(tx.QueryRow(ctx, `SELECT `+letterCols+` FROM letters WHERE id = $1`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			continue // deleted meanwhile: nothing to index
		}
		if err != nil {
			return 0, err
		}
		r, s, err := store.LetterTerms(l)
		if err != nil {
			return 0, err
		}
		ids, personal, received = append(ids, l.ID), append(personal, l.Personal), append(received, string(r))
		var sp *string
		if s != nil {
			v := string(s)
			sp = &v
		}
		sent = append(sent, sp)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO letter_terms (letter_id, personal, terms, sender_terms)
		SELECT * FROM unnest($1::text[], $2::boolean[], $3::jsonb[], $4::jsonb[])`, ids, personal, received, sent); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
		SELECT account_id, term, arrived, copy_id, folder, hidden, fields FROM search_copy_terms t
		WHERE letter_id = ANY($1)
			AND NOT EXISTS (SELECT 1 FROM accounts a WHERE a.id = t.account_id AND a.status = 'closed')`, ids); err != nil {
		return 0, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM search_backfill WHERE letter_id = ANY($1)`, todo); err != nil {
		return 0, err
	}
	return len(todo), nil
}
