package postgres

import (
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
	"github.com/siegel-mail/siegel/internal/store/storetest"
)

// TestSearchBackfill: letters written before the search index (schema 7)
// are found once the store opens: migration 8 lists them and the migration
// indexes them, in batches, with their copies' folders, the sender's Bcc in
// the sender's copy only, and nothing of a closed account (DESIGN
// "Storage": data of every earlier version opens).
func TestSearchBackfill(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.Exec(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
	for v := 1; v <= 7; v++ {
		if migrations[v] != "" {
			exec(migrations[v])
		}
		exec(`INSERT INTO schema_migrations (version) VALUES ($1)`, v)
	}
	never := ts(time.Time{})
	for _, a := range []struct{ id, status string }{{"acct-me", "active"}, {"acct-gone", "closed"}} {
		exec(`INSERT INTO accounts (id, address, kind, pseudonym, display_name, formal_service, status, block,
			block_reason, confirmed_by, confirmed_at, info_ack, malware_consent, password_hash, totp_enabled, totp_last_step,
			failures, lockouts, locked_until, last_lock_at, created_at, verified_at, activated_at, closed_at)
			VALUES ($1, $1 || '@x.test', 'person', false, '', false, $2, '', '', '', $3, true, true, '', false, 0, 0, 0,
				$3, $3, now(), $3, $3, $3)`, a.id, a.status, never)
	}
	const n = backfillBatch + 30
	t0 := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range n {
		id := fmt.Sprintf("let-%04d", i)
		subject := "Heu"
		if i == 7 {
			subject = "Nadel im Heuhaufen"
		}
		exec(`INSERT INTO letters (id, message_id, sender_id, sender_address, subject, personal, sender_confirmed,
			dispatch_confirmation, receipt_confirmation, pickup_confirmation, private_id, auth_level, recipients,
			attachments, body_blob, body_inline, body_size, body_hash, submitted_at)
			VALUES ($1, $2, 'acct-me', 'amt@a.test', $3, false, false, false, true, false, 'AZ-1', 'normal',
				'{"to":["erika@b.test"],"bcc":["verdeckt@b.test"]}', 0, '', false, 1, '\x00', $4)`,
			id, "msg-"+id, subject, t0)
		for _, c := range []struct{ id, acct, folder, role string }{
			{"c-" + id, "acct-me", "inbox", "to"}, {"s-" + id, "acct-me", "sent", "sender"},
			{"g-" + id, "acct-gone", "inbox", "to"}, {"r-" + id, "", "relay", "to"},
		} {
			exec(`INSERT INTO copies (id, letter_id, account_id, folder, prev_folder, role, header, arrived, first_read,
				picked_up, awaits_pickup, trashed_at, remote) VALUES ($1, $2, $3, $4, '', $5, '', $6, $7, $7, false, $7, '')`,
				c.id, id, c.acct, c.folder, c.role, t0.Add(time.Duration(i)*time.Second), never)
		}
	}
	if err := tx.Commit(t.Context()); err != nil {
		t.Fatal(err)
	}
	conn.Close(t.Context())

	s := openTest(t, dbURL, Options{})
	find := func(acct string, f store.Folder, field search.Field, text string) []string {
		t.Helper()
		var ids []string
		err := s.View(t.Context(), func(tx store.Tx) error {
			var conds []search.Cond
			for _, w := range search.Words(text) {
				conds = append(conds, search.Cond{Term: w, Prefix: true, Fields: field})
			}
			cs, err := tx.SearchCopies(&store.SearchQuery{AccountID: acct, Folder: f, Conds: conds, Limit: 5})
			for _, c := range cs {
				ids = append(ids, c.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	if got := find("acct-me", store.Inbox, search.Text, "nadel"); fmt.Sprint(got) != "[c-let-0007]" {
		t.Errorf("the needle in the inbox: %v", got)
	}
	if got := find("acct-me", store.Sent, search.InRecipients, "verdeckt"); len(got) != 5 {
		t.Errorf("the sender's Bcc in Sent: %v", got)
	}
	if got := find("acct-me", store.Inbox, search.InRecipients, "verdeckt"); len(got) != 0 {
		t.Errorf("the Bcc in a recipient's copy: %v", got)
	}
	if got := find("acct-gone", "", search.Text, "heu"); len(got) != 0 {
		t.Errorf("a closed account's copies: %v", got)
	}
	var left, rows int
	err = s.pool.QueryRow(t.Context(), `SELECT (SELECT count(*) FROM search_backfill), (SELECT count(*) FROM search_terms
		WHERE term = $1)`, search.TermAll).Scan(&left, &rows)
	if err != nil || left != 0 || rows != 2*n {
		t.Errorf("after the backfill: %d letters left, %d copies indexed, %v; want 0 and %d", left, rows, err, 2*n)
	}
}

// BenchmarkSearch100k fills one mailbox with 100,000 letters
// (storetest.FillSearchMailbox; SIEGEL_SEARCH_LETTERS for another number)
// and times typical searches, and the scan that came before the index.
// Reproduce (docs/performance.md):
//
//	SIEGEL_TEST_POSTGRES=… go test -run '^$' -bench Search100k -benchtime 200x ./internal/store/postgres/
func BenchmarkSearch100k(b *testing.B) {
	s := benchOpen(b).(*Store)
	start := time.Now()
	storetest.FillSearchMailbox(b, s, storetest.BenchLetters())
	// Statistics and the visibility map (index-only scans), as autovacuum
	// keeps them on a live database.
	if _, err := s.pool.Exec(b.Context(), `VACUUM ANALYZE`); err != nil {
		b.Fatal(err)
	}
	var all, index int64
	s.pool.QueryRow(b.Context(), `SELECT pg_database_size(current_database()),
		pg_total_relation_size('search_terms') + pg_total_relation_size('letter_terms')`).Scan(&all, &index)
	b.Logf("filled in %v: the index %d MB (the whole database, shared with other tests, %d MB)",
		time.Since(start).Round(time.Second), index>>20, all>>20)
	storetest.BenchSearches(b, s)
}
