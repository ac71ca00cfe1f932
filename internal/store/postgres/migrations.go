package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// migrations is the ordered list of schema changes; the index is the version.
// Never edit a released entry: append a new one. Data written by every earlier
// version must open (DESIGN "Storage").
//
// Types: times are timestamptz NOT NULL, with -infinity for the zero time
// (tx.go); bytes are bytea, NULL only where a record may lack them; ids are
// text COLLATE "C", so that paging and tie-breaks order them bytewise as
// SQLite does, whatever the database's locale.
var migrations = []string{
	1: `
CREATE TABLE accounts (
	id text COLLATE "C" PRIMARY KEY,
	address text NOT NULL UNIQUE,
	kind text NOT NULL,
	pseudonym boolean NOT NULL,
	display_name text NOT NULL,
	holder bytea,
	formal_service boolean NOT NULL,
	status text NOT NULL,
	block text NOT NULL,
	block_reason text NOT NULL,
	verification bytea,
	confirmed_by text NOT NULL,
	confirmed_at timestamptz NOT NULL,
	info_ack boolean NOT NULL,
	malware_consent boolean NOT NULL,
	password_hash text NOT NULL,
	totp_secret bytea,
	totp_pending bytea,
	totp_enabled boolean NOT NULL,
	totp_last_step bigint NOT NULL,
	failures bigint NOT NULL,
	lockouts bigint NOT NULL,
	locked_until timestamptz NOT NULL,
	last_lock_at timestamptz NOT NULL,
	created_at timestamptz NOT NULL,
	verified_at timestamptz NOT NULL,
	activated_at timestamptz NOT NULL,
	closed_at timestamptz NOT NULL
);
CREATE INDEX accounts_status ON accounts (status, id);
CREATE TABLE released_addresses (
	address text PRIMARY KEY,
	released_at timestamptz NOT NULL
);
CREATE TABLE account_history (
	account_id text NOT NULL,
	seq bigint NOT NULL,
	at timestamptz NOT NULL,
	action text NOT NULL,
	actor text NOT NULL,
	detail text NOT NULL,
	prev_hash text NOT NULL,
	hash text NOT NULL,
	PRIMARY KEY (account_id, seq)
);
CREATE TABLE daily_usage (
	account_id text NOT NULL,
	day text NOT NULL,
	messages bigint NOT NULL,
	recipients bigint NOT NULL,
	PRIMARY KEY (account_id, day)
);
CREATE TABLE officers (
	id text PRIMARY KEY,
	name text NOT NULL,
	role text NOT NULL,
	token_hash text NOT NULL UNIQUE,
	created_at timestamptz NOT NULL
);
CREATE TABLE sessions (
	token_hash text PRIMARY KEY,
	account_id text NOT NULL REFERENCES accounts (id),
	level text NOT NULL,
	created_at timestamptz NOT NULL,
	last_seen timestamptz NOT NULL,
	expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE TABLE letters (
	id text PRIMARY KEY,
	message_id text NOT NULL UNIQUE,
	sender_id text NOT NULL,
	sender_address text NOT NULL,
	subject text NOT NULL,
	personal boolean NOT NULL,
	sender_confirmed boolean NOT NULL,
	dispatch_confirmation boolean NOT NULL,
	receipt_confirmation boolean NOT NULL,
	pickup_confirmation boolean NOT NULL,
	private_id text NOT NULL,
	auth_level text NOT NULL,
	recipients bytea NOT NULL,
	attachments bigint NOT NULL,
	body_blob text NOT NULL,
	body_inline boolean NOT NULL,
	body bytea,
	body_size bigint NOT NULL,
	body_hash bytea NOT NULL,
	submitted_at timestamptz NOT NULL
);
-- CountLetterBlobRefs runs when a blob may be collected.
CREATE INDEX letters_blob ON letters (body_blob);
CREATE TABLE copies (
	id text COLLATE "C" PRIMARY KEY,
	letter_id text NOT NULL REFERENCES letters (id),
	account_id text NOT NULL,
	folder text NOT NULL,
	prev_folder text NOT NULL,
	role text NOT NULL,
	header bytea NOT NULL,
	arrived timestamptz NOT NULL,
	first_read timestamptz NOT NULL,
	picked_up timestamptz NOT NULL,
	awaits_pickup boolean NOT NULL,
	trashed_at timestamptz NOT NULL
);
CREATE INDEX copies_mailbox ON copies (account_id, folder, arrived DESC, id DESC);
CREATE INDEX copies_letter ON copies (letter_id);
-- Received copies of letters with pickup confirmation not picked up yet: few,
-- so the first login at high finds them without scanning the mailbox, and
-- ordinary copies never touch this index.
CREATE INDEX copies_pickup ON copies (account_id) WHERE awaits_pickup AND picked_up = '-infinity';
CREATE TABLE events (
	-- n keeps the order of insertion among events of the same time.
	n bigint GENERATED ALWAYS AS IDENTITY,
	id text PRIMARY KEY,
	letter_id text NOT NULL,
	copy_id text NOT NULL,
	account_id text NOT NULL,
	kind text NOT NULL,
	at timestamptz NOT NULL,
	level text NOT NULL
);
CREATE INDEX events_letter ON events (letter_id, at, n);
CREATE TABLE jobs (
	id text COLLATE "C" PRIMARY KEY,
	kind text NOT NULL,
	key text NOT NULL,
	payload bytea NOT NULL,
	run_at timestamptz NOT NULL,
	attempts bigint NOT NULL,
	leased_by text NOT NULL,
	lease_until timestamptz NOT NULL,
	last_error text NOT NULL,
	created_at timestamptz NOT NULL,
	UNIQUE (kind, key)
);
-- LeaseJobs: the due jobs of a kind, oldest first.
CREATE INDEX jobs_due ON jobs (kind, run_at, id);
CREATE TABLE leases (
	name text PRIMARY KEY,
	holder text NOT NULL,
	expires_at timestamptz NOT NULL
);
`,
	2: `
CREATE TABLE evidence (
	id text PRIMARY KEY,
	letter_id text NOT NULL,
	copy_id text NOT NULL,
	event_id text NOT NULL,
	event text NOT NULL,
	at timestamptz NOT NULL,
	file bytea NOT NULL,
	confirmation_id text NOT NULL,
	created_at timestamptz NOT NULL,
	UNIQUE (event_id, copy_id)
);
CREATE INDEX evidence_letter ON evidence (letter_id, at);
`,
	3: `
-- The address at another provider a copy in the relay folder is for
-- (federation). A constant default: no table rewrite.
ALTER TABLE copies ADD COLUMN remote text NOT NULL DEFAULT '';
`,
	4: `
-- Passkeys: WebAuthn credentials, a second factor for level high
-- (store/passkey.go). Credential ids are raw bytes; bytea compares bytewise.
CREATE TABLE passkeys (
	id bytea PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL REFERENCES accounts (id),
	rp_id text NOT NULL,
	name text NOT NULL,
	public_key bytea NOT NULL,
	sign_count bigint NOT NULL,
	aaguid bytea NOT NULL,
	transports text NOT NULL,
	flags integer NOT NULL,
	created_at timestamptz NOT NULL,
	last_used timestamptz NOT NULL
);
CREATE INDEX passkeys_account ON passkeys (account_id, created_at, id);
`,
	5: `
-- The holders' address books (TR PVD-FU §3.1.3.5; store/contact.go).
-- Names and addresses compare bytewise, as on SQLite.
CREATE TABLE contacts (
	id text COLLATE "C" PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL REFERENCES accounts (id),
	address text COLLATE "C" NOT NULL,
	name text COLLATE "C" NOT NULL,
	note text NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL,
	UNIQUE (account_id, address)
);
CREATE INDEX contacts_account_name ON contacts (account_id, name, address);
`,
	6: `
-- The holders' own folders (TR PVD-FU §3.1.3.7; store/folder.go). A copy
-- filed in one has folder 'f:' || id: copies_mailbox serves it as it
-- serves the system folders. Names compare bytewise, as on SQLite.
CREATE TABLE folders (
	id text COLLATE "C" PRIMARY KEY,
	account_id text COLLATE "C" NOT NULL REFERENCES accounts (id),
	name text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	UNIQUE (account_id, name)
);
`,
}

// SchemaVersion is the newest schema this build knows.
func SchemaVersion() int { return len(migrations) - 1 }

// Migrate brings the database at url to this build's schema, as Open does,
// and reports the versions before and after (siegel migrate).
func Migrate(ctx context.Context, url string) (from, to int, err error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, 0, fmt.Errorf("store: postgres url: %w", err)
	}
	return migrate(ctx, cfg)
}

// Version reads the schema version of the database at url without changing
// anything: 0 for a database that holds no Siegel schema (siegel init checks
// that it does not overwrite a provider).
func Version(ctx context.Context, url string) (int, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return 0, fmt.Errorf("store: postgres url: %w", err)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("store: connect: %w", mapErr(ctx, err, nil))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var exists bool
	err = conn.QueryRow(ctx, `SELECT to_regclass('schema_migrations') IS NOT NULL`).Scan(&exists)
	var v int
	if err == nil && exists {
		err = conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v)
	}
	if err != nil {
		return 0, fmt.Errorf("store: read schema version: %w", mapErr(ctx, err, conn))
	}
	return v, nil
}

// migrateLock names the advisory lock that lets one process at a time
// migrate a schema: nodes starting together migrate it exactly once. The
// second key is the schema's, so that schemas in one database (tests, several
// providers) do not wait for each other.
const migrateLock = 0x5e9e1 // "siegel"

// migrate applies the missing migrations on a connection of its own, each in
// a transaction with its version row, under a session advisory lock (a
// session lock, not a transaction's, so that a later migration may hold
// statements that cannot run in a transaction, such as CREATE INDEX
// CONCURRENTLY).
func migrate(ctx context.Context, cfg *pgx.ConnConfig) (from, to int, err error) {
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, 0, fmt.Errorf("store: connect: %w", mapErr(ctx, err, nil))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	// The lock goes with the connection, whatever happens below.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1, hashtext(current_schema()))`, migrateLock); err != nil {
		return 0, 0, fmt.Errorf("store: lock for migrations: %w", mapErr(ctx, err, conn))
	}
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version bigint PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, 0, fmt.Errorf("store: migrations table: %w", mapErr(ctx, err, conn))
	}
	if err := conn.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&from); err != nil {
		return 0, 0, fmt.Errorf("store: read schema version: %w", mapErr(ctx, err, conn))
	}
	if from > SchemaVersion() {
		return from, from, fmt.Errorf("database schema version %d is newer than this siegel (%d): upgrade siegel", from, SchemaVersion())
	}
	for v := from + 1; v <= SchemaVersion(); v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, migrations[v]); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version) VALUES ($1)`, v)
			return err
		})
		if err != nil {
			return from, v - 1, fmt.Errorf("store: migration %d: %w", v, mapErr(ctx, err, conn))
		}
	}
	return from, SchemaVersion(), nil
}
