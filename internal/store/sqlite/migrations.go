package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations is the ordered list of schema changes. Never edit a released entry:
// append a new one. Data written by every earlier version must open (DESIGN
// "Storage": an upgrade test opens data written by older versions).
var migrations = []string{
	1: `
CREATE TABLE accounts (
	id TEXT PRIMARY KEY,
	address TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	pseudonym INTEGER NOT NULL,
	display_name TEXT NOT NULL,
	holder BLOB,
	formal_service INTEGER NOT NULL,
	status TEXT NOT NULL,
	block TEXT NOT NULL,
	block_reason TEXT NOT NULL,
	verification BLOB,
	confirmed_by TEXT NOT NULL,
	confirmed_at INTEGER NOT NULL,
	info_ack INTEGER NOT NULL,
	malware_consent INTEGER NOT NULL,
	password_hash TEXT NOT NULL,
	totp_secret BLOB,
	totp_pending BLOB,
	totp_enabled INTEGER NOT NULL,
	totp_last_step INTEGER NOT NULL,
	failures INTEGER NOT NULL,
	lockouts INTEGER NOT NULL,
	locked_until INTEGER NOT NULL,
	last_lock_at INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	verified_at INTEGER NOT NULL,
	activated_at INTEGER NOT NULL,
	closed_at INTEGER NOT NULL
);
CREATE INDEX accounts_status ON accounts(status, id);
CREATE TABLE released_addresses (
	address TEXT PRIMARY KEY,
	released_at INTEGER NOT NULL
);
CREATE TABLE account_history (
	account_id TEXT NOT NULL,
	seq INTEGER NOT NULL,
	at INTEGER NOT NULL,
	action TEXT NOT NULL,
	actor TEXT NOT NULL,
	detail TEXT NOT NULL,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL,
	PRIMARY KEY (account_id, seq)
);
CREATE TABLE daily_usage (
	account_id TEXT NOT NULL,
	day TEXT NOT NULL,
	messages INTEGER NOT NULL,
	recipients INTEGER NOT NULL,
	PRIMARY KEY (account_id, day)
);
CREATE TABLE officers (
	id TEXT PRIMARY KEY,
	name TEXT NOT NULL,
	role TEXT NOT NULL,
	token_hash TEXT NOT NULL UNIQUE,
	created_at INTEGER NOT NULL
);
CREATE TABLE sessions (
	token_hash TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	level TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	last_seen INTEGER NOT NULL,
	expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);
CREATE TABLE letters (
	id TEXT PRIMARY KEY,
	message_id TEXT NOT NULL UNIQUE,
	sender_id TEXT NOT NULL,
	sender_address TEXT NOT NULL,
	subject TEXT NOT NULL,
	personal INTEGER NOT NULL,
	sender_confirmed INTEGER NOT NULL,
	dispatch_confirmation INTEGER NOT NULL,
	receipt_confirmation INTEGER NOT NULL,
	pickup_confirmation INTEGER NOT NULL,
	private_id TEXT NOT NULL,
	auth_level TEXT NOT NULL,
	recipients BLOB NOT NULL,
	attachments INTEGER NOT NULL,
	body_blob TEXT NOT NULL,
	body_inline INTEGER NOT NULL,
	body BLOB,
	body_size INTEGER NOT NULL,
	body_hash BLOB NOT NULL,
	submitted_at INTEGER NOT NULL
);

CREATE TABLE copies (
	id TEXT PRIMARY KEY,
	letter_id TEXT NOT NULL REFERENCES letters(id),
	account_id TEXT NOT NULL,
	folder TEXT NOT NULL,
	prev_folder TEXT NOT NULL,
	role TEXT NOT NULL,
	header BLOB NOT NULL,
	arrived INTEGER NOT NULL,
	first_read INTEGER NOT NULL,
	picked_up INTEGER NOT NULL,
	awaits_pickup INTEGER NOT NULL,
	trashed_at INTEGER NOT NULL
);
CREATE INDEX copies_mailbox ON copies(account_id, folder, arrived DESC, id DESC);
CREATE INDEX copies_letter ON copies(letter_id);
-- Received copies of letters with pickup confirmation not picked up yet: few,
-- so the first login at high finds them without scanning the mailbox, and
-- ordinary copies never touch this index.
CREATE INDEX copies_pickup ON copies(account_id) WHERE awaits_pickup = 1 AND picked_up = 0;
CREATE TABLE events (
	id TEXT PRIMARY KEY,
	letter_id TEXT NOT NULL,
	copy_id TEXT NOT NULL,
	account_id TEXT NOT NULL,
	kind TEXT NOT NULL,
	at INTEGER NOT NULL,
	level TEXT NOT NULL
);
CREATE INDEX events_letter ON events(letter_id, at);
`,
	2: `
CREATE TABLE jobs (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	key TEXT NOT NULL,
	payload BLOB NOT NULL,
	run_at INTEGER NOT NULL,
	attempts INTEGER NOT NULL,
	leased_by TEXT NOT NULL,
	lease_until INTEGER NOT NULL,
	last_error TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (kind, key)
);
CREATE INDEX jobs_due ON jobs(kind, run_at);
CREATE TABLE leases (
	name TEXT PRIMARY KEY,
	holder TEXT NOT NULL,
	expires_at INTEGER NOT NULL
);
`,
	3: `
CREATE TABLE evidence (
	id TEXT PRIMARY KEY,
	letter_id TEXT NOT NULL,
	copy_id TEXT NOT NULL,
	event_id TEXT NOT NULL,
	event TEXT NOT NULL,
	at INTEGER NOT NULL,
	file BLOB NOT NULL,
	confirmation_id TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (event_id, copy_id)
);
CREATE INDEX evidence_letter ON evidence(letter_id, at);
`,
	4: `
-- The address at another provider a copy in the relay folder is for (federation).
ALTER TABLE copies ADD COLUMN remote TEXT NOT NULL DEFAULT '';
`,
	5: `
-- Passkeys: WebAuthn credentials, a second factor for level high (store/passkey.go).
CREATE TABLE passkeys (
	id BLOB PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	rp_id TEXT NOT NULL,
	name TEXT NOT NULL,
	public_key BLOB NOT NULL,
	sign_count INTEGER NOT NULL,
	aaguid BLOB NOT NULL,
	transports TEXT NOT NULL,
	flags INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	last_used INTEGER NOT NULL
);
CREATE INDEX passkeys_account ON passkeys(account_id, created_at);
`,
	6: `
-- The holders' address books (TR PVD-FU §3.1.3.5; store/contact.go).
CREATE TABLE contacts (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	address TEXT NOT NULL,
	name TEXT NOT NULL,
	note TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL,
	UNIQUE (account_id, address)
);
CREATE INDEX contacts_account_name ON contacts(account_id, name, address);
`,
	7: `
-- The holders' own folders (TR PVD-FU §3.1.3.7; store/folder.go). A copy
-- filed in one has folder 'f:' || id: copies_mailbox serves it as it
-- serves the system folders.
CREATE TABLE folders (
	id TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id),
	name TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	UNIQUE (account_id, name)
);
`,
	8: `
-- Automatic forwarding (TR PVD-FU §3.1.3.2, DMG §5(11)) and the forwarding
-- orders of closed accounts (§3.1.3.3); store/forward.go.
CREATE TABLE forwardings (
	account_id TEXT PRIMARY KEY REFERENCES accounts(id),
	target TEXT NOT NULL,
	exclude_personal INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
);
CREATE TABLE forwarding_orders (
	account_id TEXT PRIMARY KEY REFERENCES accounts(id),
	target TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	until INTEGER NOT NULL
);
`,
	9: `
-- The search index (TR PVD-FU §3.1.3.8; store/search.go, package search).
-- letter_terms holds each letter's terms, written by InsertLetter: JSON
-- objects of term to field bits, for its recipients' copies (terms) and,
-- when its Bcc recipients add words, for its sender's own (sender_terms;
-- '' when the same: Bcc shows in the sender's copy only, TR PVD-IO §3.1).
CREATE TABLE letter_terms (
	letter_id TEXT PRIMARY KEY,
	personal INTEGER NOT NULL,
	terms TEXT NOT NULL,
	sender_terms TEXT NOT NULL
);
-- search_terms is the index: a row per term of each mailbox copy, in the
-- order a search reads them, newest first within a term of a mailbox. A
-- row carries what a search filters by besides terms (the folder; whether
-- the copy's content is hidden at normal), so that a search reads no copy
-- it does not return. The triggers below keep it in the transaction of
-- every change, so that no path that writes a copy can miss it.
CREATE TABLE search_terms (
	account_id TEXT NOT NULL,
	term TEXT NOT NULL,
	arrived INTEGER NOT NULL,
	copy_id TEXT NOT NULL,
	folder TEXT NOT NULL,
	hidden INTEGER NOT NULL,
	fields INTEGER NOT NULL,
	PRIMARY KEY (account_id, term, arrived, copy_id)
) WITHOUT ROWID;
-- A copy's terms: for the triggers, and for a search's further conditions.
CREATE INDEX search_terms_copy ON search_terms(copy_id, term, fields, hidden);
-- The letters written before the index, which the store indexes when it
-- opens (search.go: backfillSearch).
CREATE TABLE search_backfill (letter_id TEXT PRIMARY KEY);
INSERT INTO search_backfill (letter_id) SELECT id FROM letters;
-- A copy as the index sees it. hidden is mailbox.needsHigh: a personal
-- letter's content is its recipients' at high only, and so is that of its
-- confirmations for the recipient in their Cc (DMG §5(4)).
CREATE VIEW search_copies AS
SELECT c.id AS copy_id, c.account_id, c.letter_id, c.arrived, c.folder,
	lt.personal = 1 AND CASE WHEN c.folder = 'confirmations' OR (c.folder = 'trash' AND c.prev_folder = 'confirmations')
		THEN c.role = 'cc' ELSE c.role <> 'sender' END AS hidden,
	CASE WHEN c.role = 'sender' AND lt.sender_terms <> '' THEN lt.sender_terms ELSE lt.terms END AS terms,
	c.role, c.first_read, c.awaits_pickup, c.picked_up
FROM copies c JOIN letter_terms lt ON lt.letter_id = c.letter_id
WHERE c.account_id <> '';
-- A copy's rows: its letter's terms, then its states (package search,
-- States; 16 is search.Attribute, 32 search.Listed: a listing shows whether
-- a hidden letter was read, not whether it awaits pickup).
CREATE VIEW search_copy_terms AS
SELECT s.account_id, j.key AS term, s.arrived, s.copy_id, s.folder, s.hidden, j.value AS fields, s.letter_id
FROM search_copies s, json_each(s.terms) j
UNION ALL
SELECT account_id, CASE WHEN first_read = 0 THEN '~unread' ELSE '~read' END, arrived, copy_id, folder, hidden, 32,
	letter_id
FROM search_copies WHERE role <> 'sender'
UNION ALL
SELECT account_id, CASE WHEN picked_up = 0 THEN '~awaiting_pickup' ELSE '~picked_up' END, arrived, copy_id, folder,
	hidden, 16, letter_id
FROM search_copies WHERE awaits_pickup = 1;
CREATE TRIGGER search_copy_insert AFTER INSERT ON copies WHEN NEW.account_id <> '' BEGIN
	INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
	SELECT account_id, term, arrived, copy_id, folder, hidden, fields FROM search_copy_terms WHERE copy_id = NEW.id;
END;
CREATE TRIGGER search_copy_move AFTER UPDATE OF folder, prev_folder ON copies
WHEN NEW.account_id <> '' AND (OLD.folder IS NOT NEW.folder OR OLD.prev_folder IS NOT NEW.prev_folder) BEGIN
	UPDATE search_terms SET folder = NEW.folder, hidden = (SELECT hidden FROM search_copies WHERE copy_id = NEW.id)
	WHERE copy_id = NEW.id;
END;
-- A state changes: the copy's state terms anew, if it is indexed (not one
-- of a closed account, nor of a letter still to index).
CREATE TRIGGER search_copy_state AFTER UPDATE OF first_read, picked_up ON copies
WHEN NEW.account_id <> '' AND (OLD.first_read IS NOT NEW.first_read OR OLD.picked_up IS NOT NEW.picked_up) BEGIN
	DELETE FROM search_terms WHERE copy_id = NEW.id AND term IN ('~unread', '~read', '~awaiting_pickup', '~picked_up');
	INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
	SELECT account_id, term, arrived, copy_id, folder, hidden, fields FROM search_copy_terms
	WHERE copy_id = NEW.id AND term IN ('~unread', '~read', '~awaiting_pickup', '~picked_up')
		AND EXISTS (SELECT 1 FROM search_terms WHERE copy_id = NEW.id AND term = '~all');
END;
CREATE TRIGGER search_copy_delete AFTER DELETE ON copies WHEN OLD.account_id <> '' BEGIN
	DELETE FROM search_terms WHERE copy_id = OLD.id;
END;
CREATE TRIGGER search_letter_delete AFTER DELETE ON letters BEGIN
	DELETE FROM letter_terms WHERE letter_id = OLD.id;
	DELETE FROM search_backfill WHERE letter_id = OLD.id;
END;
-- Nobody searches a closed account's mailbox (DMG §10): its rows go.
CREATE TRIGGER search_account_closed AFTER UPDATE OF status ON accounts
WHEN NEW.status = 'closed' AND OLD.status <> 'closed' BEGIN
	DELETE FROM search_terms WHERE account_id = NEW.id;
END;
`,
	10: `
-- What each mailbox holds against its quota (SPEC "Limits"; store/quota.go):
-- a copy counts its letter's body and its own header, in whatever folder; a
-- copy held for another provider (account_id '') counts nowhere. Triggers
-- keep it in the transaction of every copy written, so that no path that
-- files a copy can miss it; SQLite has one writer, so one row per mailbox.
-- quota is the account's own, in bytes (0: the provider's default); changed
-- marks the rows FoldUsage has not returned since their usage changed.
CREATE TABLE mailbox_usage (
	account_id TEXT PRIMARY KEY,
	used INTEGER NOT NULL,
	quota INTEGER NOT NULL,
	warned INTEGER NOT NULL,
	changed INTEGER NOT NULL
);
CREATE INDEX mailbox_usage_changed ON mailbox_usage(account_id) WHERE changed = 1;
CREATE TRIGGER copies_usage_insert AFTER INSERT ON copies WHEN NEW.account_id <> '' BEGIN
	INSERT INTO mailbox_usage (account_id, used, quota, warned, changed)
	VALUES (NEW.account_id, length(CAST(NEW.header AS BLOB))
		+ COALESCE((SELECT body_size FROM letters WHERE id = NEW.letter_id), 0), 0, 0, 1)
	ON CONFLICT (account_id) DO UPDATE SET used = used + excluded.used, changed = 1;
END;
CREATE TRIGGER copies_usage_delete AFTER DELETE ON copies WHEN OLD.account_id <> '' BEGIN
	UPDATE mailbox_usage SET changed = 1, used = used - length(CAST(OLD.header AS BLOB))
		- COALESCE((SELECT body_size FROM letters WHERE id = OLD.letter_id), 0)
	WHERE account_id = OLD.account_id;
END;
-- A copy that changes hands (or letter, or header) leaves one count and
-- joins the other; moving between folders changes nothing.
CREATE TRIGGER copies_usage_update AFTER UPDATE OF account_id, letter_id, header ON copies
WHEN OLD.account_id IS NOT NEW.account_id OR OLD.letter_id IS NOT NEW.letter_id OR OLD.header IS NOT NEW.header BEGIN
	UPDATE mailbox_usage SET changed = 1, used = used - length(CAST(OLD.header AS BLOB))
		- COALESCE((SELECT body_size FROM letters WHERE id = OLD.letter_id), 0)
	WHERE account_id = OLD.account_id AND OLD.account_id <> '';
	INSERT INTO mailbox_usage (account_id, used, quota, warned, changed)
	SELECT NEW.account_id, length(CAST(NEW.header AS BLOB))
		+ COALESCE((SELECT body_size FROM letters WHERE id = NEW.letter_id), 0), 0, 0, 1
	WHERE NEW.account_id <> ''
	ON CONFLICT (account_id) DO UPDATE SET used = used + excluded.used, changed = 1;
END;
-- What the mailboxes hold already; changed, so that the first FoldUsage
-- looks at each for the low-space notice.
INSERT INTO mailbox_usage (account_id, used, quota, warned, changed)
SELECT c.account_id, SUM(length(CAST(c.header AS BLOB)) + l.body_size), 0, 0, 1
FROM copies c JOIN letters l ON l.id = c.letter_id
WHERE c.account_id <> '' GROUP BY c.account_id;
`,
	11: `
-- A copy the holder made of a letter into one of their folders (TR
-- PVD-FU §3.1.3.7) names the copy it was made from: evidence and pickups
-- stay with that one.
ALTER TABLE copies ADD COLUMN origin TEXT NOT NULL DEFAULT '';
`,
}

// SchemaVersion is the newest schema this build knows.
func SchemaVersion() int { return len(migrations) - 1 }

// migrate applies the pending migrations and returns the version found.
func migrate(ctx context.Context, db *sql.DB) (int, error) {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)`); err != nil {
		return 0, fmt.Errorf("migrations table: %w", err)
	}
	var have int
	if err := db.QueryRowContext(ctx, `SELECT COALESCE(MAX(version),0) FROM schema_migrations`).Scan(&have); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	if have > SchemaVersion() {
		return have, fmt.Errorf("database schema version %d is newer than this siegel (%d): upgrade siegel", have, SchemaVersion())
	}
	for v := have + 1; v <= SchemaVersion(); v++ {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return have, err
		}
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			tx.Rollback()
			return have, fmt.Errorf("migration %d: %w", v, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations(version) VALUES (?)`, v); err != nil {
			tx.Rollback()
			return have, fmt.Errorf("migration %d: %w", v, err)
		}
		if err := tx.Commit(); err != nil {
			return have, fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return have, backfillSearch(ctx, db) // search.go
}

// Migrate brings the database at path to this build's schema (Open does the
// same) and reports the versions before and after, for siegel migrate.
func Migrate(ctx context.Context, path string) (from, to int, err error) {
	s, err := Open(ctx, path, Options{})
	if err != nil {
		return 0, 0, err
	}
	return s.migratedFrom, SchemaVersion(), s.Close()
}
