package sqlite

import (
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/search"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/storetest"
)

// TestSearchBackfill: letters written before the search index (schema 8)
// are found once the store opens: migration 9 lists them and the store
// indexes them, in batches, with their copies' folders, the sender's Bcc in
// the sender's copy only, and nothing of a closed account (DESIGN
// "Storage": data of every earlier version opens).
func TestSearchBackfill(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "siegel.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	tx, err := db.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := tx.ExecContext(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`)
	for v := 1; v <= 8; v++ {
		if migrations[v] != "" {
			exec(migrations[v])
		}
		exec(`INSERT INTO schema_migrations (version) VALUES (?)`, v)
	}
	for _, a := range []struct{ id, status string }{{"acct-me", "active"}, {"acct-gone", "closed"}} {
		exec(`INSERT INTO accounts (id, address, kind, pseudonym, display_name, formal_service, status, block,
			block_reason, confirmed_by, confirmed_at, info_ack, malware_consent, password_hash, totp_enabled, totp_last_step,
			failures, lockouts, locked_until, last_lock_at, created_at, verified_at, activated_at, closed_at)
			VALUES (?, ? || '@x.test', 'person', 0, '', 0, ?, '', '', '', 0, 1, 1, '', 0, 0, 0, 0, 0, 0, 1, 0, 0, 0)`,
			a.id, a.id, a.status)
	}
	// More letters than one batch of the backfill.
	const n = backfillBatch + 30
	for i := range n {
		id := fmt.Sprintf("let-%04d", i)
		subject := "Heu"
		if i == 7 {
			subject = "Nadel im Heuhaufen"
		}
		exec(`INSERT INTO letters (id, message_id, sender_id, sender_address, subject, personal, sender_confirmed,
			dispatch_confirmation, receipt_confirmation, pickup_confirmation, private_id, auth_level, recipients,
			attachments, body_blob, body_inline, body_size, body_hash, submitted_at)
			VALUES (?, ?, 'acct-me', 'amt@a.test', ?, 0, 0, 0, 1, 0, 'AZ-1', 'normal',
				'{"to":["erika@b.test"],"bcc":["verdeckt@b.test"]}', 0, '', 0, 1, x'00', 1)`, id, "msg-"+id, subject)
		for _, c := range []struct{ id, acct, folder, role string }{
			{"c-" + id, "acct-me", "inbox", "to"}, {"s-" + id, "acct-me", "sent", "sender"},
			{"g-" + id, "acct-gone", "inbox", "to"}, {"r-" + id, "", "relay", "to"},
		} {
			exec(`INSERT INTO copies (id, letter_id, account_id, folder, prev_folder, role, header, arrived, first_read,
				picked_up, awaits_pickup, trashed_at, remote) VALUES (?, ?, ?, ?, '', ?, x'', ?, 0, 0, 0, 0, '')`,
				c.id, id, c.acct, c.folder, c.role, 1_000_000+i)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	db.Close()

	s := openAt(t, path)
	search1 := func(acct string, f store.Folder, field search.Field, text string) []string {
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
	if got := search1("acct-me", store.Inbox, search.Text, "nadel"); fmt.Sprint(got) != "[c-let-0007]" {
		t.Errorf("the needle in the inbox: %v", got)
	}
	if got := search1("acct-me", store.Sent, search.InRecipients, "verdeckt"); len(got) != 5 {
		t.Errorf("the sender's Bcc in Sent: %v", got)
	}
	if got := search1("acct-me", store.Inbox, search.InRecipients, "verdeckt"); len(got) != 0 {
		t.Errorf("the Bcc in a recipient's copy: %v", got)
	}
	if got := search1("acct-gone", "", search.Text, "heu"); len(got) != 0 {
		t.Errorf("a closed account's copies: %v", got)
	}
	var left, rows int
	s.r.QueryRowContext(t.Context(), `SELECT (SELECT count(*) FROM search_backfill), (SELECT count(*) FROM search_terms
		WHERE term = ?)`, search.TermAll).Scan(&left, &rows)
	if left != 0 || rows != 2*n {
		t.Errorf("after the backfill: %d letters left, %d copies indexed; want 0 and %d", left, rows, 2*n)
	}
}

// openAt opens the store at path for t.
func openAt(t *testing.T, path string) *Store {
	t.Helper()
	s, err := Open(t.Context(), path, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// BenchmarkSearch100k fills one mailbox with 100,000 letters
// (storetest.FillSearchMailbox; SIEGEL_SEARCH_LETTERS for another number)
// and times typical searches, and the scan that came before the index.
// SIEGEL_SEARCH_DB names a database file to keep the filled mailbox in, and
// to take it from on the next run. Reproduce (docs/performance.md):
//
//	go test -run '^$' -bench Search100k -benchtime 200x ./internal/store/sqlite/
func BenchmarkSearch100k(b *testing.B) {
	path := os.Getenv("SIEGEL_SEARCH_DB")
	_, err := os.Stat(path)
	filled := path != "" && err == nil
	if path == "" {
		path = filepath.Join(b.TempDir(), "siegel.db")
	}
	s, err := Open(b.Context(), path, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	start := time.Now()
	if !filled {
		storetest.FillSearchMailbox(b, s, storetest.BenchLetters())
	}
	var pages, pageSize, indexPages int64
	s.r.QueryRowContext(b.Context(), `SELECT (SELECT page_count FROM pragma_page_count()),
		(SELECT page_size FROM pragma_page_size()),
		(SELECT count(*) FROM dbstat WHERE name IN ('search_terms', 'search_terms_copy', 'letter_terms',
			'sqlite_autoindex_letter_terms_1'))`).Scan(&pages, &pageSize, &indexPages)
	b.Logf("filled in %v: %s, %d MB, of it the index %d MB", time.Since(start).Round(time.Second), path,
		pages*pageSize>>20, indexPages*pageSize>>20)
	storetest.BenchSearches(b, s)
}
