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
	return have, nil
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
