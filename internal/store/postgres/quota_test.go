package postgres

import (
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/postgres/pgtest"
)

// quotaMigration is the migration that starts counting mailbox usage.
const quotaMigration = 9

// TestUsageBackfill: a database written before mailboxes were counted
// opens with every mailbox's usage counted, each copy by its letter's body
// and its own header, and the relay's copies in none; the first FoldUsage
// returns every mailbox, for the low-space notice.
func TestUsageBackfill(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.TestURL(t)
	conn, err := pgx.Connect(t.Context(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	run := func(q string, args ...any) {
		t.Helper()
		if _, err := conn.Exec(t.Context(), q, args...); err != nil {
			t.Fatalf("%.60s: %v", q, err)
		}
	}
	run(`CREATE TABLE schema_migrations (version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`)
	for v := 1; v < quotaMigration; v++ {
		if migrations[v] != "" {
			run(migrations[v])
		}
		run(`INSERT INTO schema_migrations (version) VALUES ($1)`, v)
	}
	letter := func(id string, size int) {
		run(`INSERT INTO letters (id, message_id, sender_id, sender_address, subject, personal, sender_confirmed,
			dispatch_confirmation, receipt_confirmation, pickup_confirmation, private_id, auth_level, recipients,
			attachments, body_blob, body_inline, body, body_size, body_hash, submitted_at)
			VALUES ($1, $2, 'acct-a', 'a@x', 's', false, false, false, false, false, '', 'normal', '', 0, 'b', false,
				NULL, $3, '\x00', now())`, id, "msg-"+id, size)
	}
	cp := func(id, letterID, accountID, folder, header, remote string) {
		run(`INSERT INTO copies (id, letter_id, account_id, folder, prev_folder, role, header, arrived, first_read,
			picked_up, awaits_pickup, trashed_at, remote) VALUES ($1, $2, $3, $4, '', 'to', $5, now(), '-infinity',
			'-infinity', false, '-infinity', $6)`, id, letterID, accountID, folder, []byte(header), remote)
	}
	letter("let-1", 1000)
	letter("let-2", 50)
	cp("c-1", "let-1", "acct-a", "sent", "Hdr: 1\r\n", "")
	cp("c-2", "let-2", "acct-a", "trash", "H: 2\r\n", "")
	cp("c-3", "let-1", "acct-b", "inbox", "Header: 3\r\n", "")
	cp("c-4", "let-1", "", "relay", "X: 4\r\n", "b@other.test")

	s := openTest(t, dbURL, Options{})
	want := map[string]int64{"acct-a": 1000 + 8 + 50 + 6, "acct-b": 1000 + 11, "": 0}
	for id, n := range want {
		var u *store.Usage
		if err := s.View(t.Context(), func(tx store.Tx) (err error) { u, err = tx.MailboxUsage(id); return err }); err != nil {
			t.Fatal(err)
		}
		if u.Used != n {
			t.Errorf("after the migration, %q uses %d bytes, want %d", id, u.Used, n)
		}
	}
	var folded []store.Usage
	if err := s.Update(t.Context(), func(tx store.Tx) (err error) { folded, err = tx.FoldUsage(100); return err }); err != nil {
		t.Fatal(err)
	}
	if len(folded) != 2 {
		t.Errorf("the first FoldUsage returned %v, want acct-a and acct-b", folded)
	}
	// The triggers run from now on.
	if err := s.Update(t.Context(), func(tx store.Tx) error { return tx.DeleteCopy("c-2") }); err != nil {
		t.Fatal(err)
	}
	var u *store.Usage
	if err := s.View(t.Context(), func(tx store.Tx) (err error) { u, err = tx.MailboxUsage("acct-a"); return err }); err != nil || u.Used != 1008 {
		t.Errorf("after deleting a copy: %+v, %v; want 1008 bytes", u, err)
	}
}
