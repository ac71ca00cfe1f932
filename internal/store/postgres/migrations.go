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
	7: `
-- Automatic forwarding (TR PVD-FU §3.1.3.2, DMG §5(11)) and the forwarding
-- orders of closed accounts (§3.1.3.3); store/forward.go.
CREATE TABLE forwardings (
	account_id text COLLATE "C" PRIMARY KEY REFERENCES accounts (id),
	target text COLLATE "C" NOT NULL,
	exclude_personal boolean NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL
);
CREATE TABLE forwarding_orders (
	account_id text COLLATE "C" PRIMARY KEY REFERENCES accounts (id),
	target text COLLATE "C" NOT NULL,
	created_at timestamptz NOT NULL,
	until timestamptz NOT NULL
);
`,
	8: `
-- The search index (TR PVD-FU §3.1.3.8; store/search.go, package search),
-- as in the SQLite store (its migration 9 says more). letter_terms holds
-- each letter's terms, written by InsertLetter: term to field bits, for its
-- recipients' copies and, when its Bcc recipients add words, for its
-- sender's own (sender_terms; NULL when the same, TR PVD-IO §3.1).
CREATE TABLE letter_terms (
	letter_id text COLLATE "C" PRIMARY KEY,
	personal boolean NOT NULL,
	terms jsonb NOT NULL,
	sender_terms jsonb
);
-- The index: a row per term of each mailbox copy, newest first within a
-- term of a mailbox; terms and ids compare bytewise, as on SQLite, so that
-- a word's prefix is a range.
CREATE TABLE search_terms (
	account_id text COLLATE "C" NOT NULL,
	term text COLLATE "C" NOT NULL,
	arrived timestamptz NOT NULL,
	copy_id text COLLATE "C" NOT NULL,
	folder text NOT NULL,
	hidden boolean NOT NULL,
	fields integer NOT NULL,
	PRIMARY KEY (account_id, term, arrived, copy_id)
);
CREATE INDEX search_terms_copy ON search_terms (copy_id, term) INCLUDE (fields, hidden);
-- The letters written before the index, which the store indexes when it
-- migrates (search.go: backfillSearch).
CREATE TABLE search_backfill (letter_id text COLLATE "C" PRIMARY KEY);
INSERT INTO search_backfill (letter_id) SELECT id FROM letters;
-- Whether a copy's content is hidden at normal: mailbox.needsHigh (DMG
-- §5(4)).
CREATE FUNCTION search_hidden(personal boolean, folder text, prev_folder text, role text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
	SELECT personal AND CASE WHEN folder = 'confirmations' OR (folder = 'trash' AND prev_folder = 'confirmations')
		THEN role = 'cc' ELSE role <> 'sender' END
$$;
-- A copy as the index sees it.
CREATE VIEW search_copies AS
SELECT c.id AS copy_id, c.account_id, c.letter_id, c.arrived, c.folder,
	search_hidden(lt.personal, c.folder, c.prev_folder, c.role) AS hidden,
	CASE WHEN c.role = 'sender' AND lt.sender_terms IS NOT NULL THEN lt.sender_terms ELSE lt.terms END AS terms,
	c.role, c.first_read, c.awaits_pickup, c.picked_up
FROM copies c JOIN letter_terms lt ON lt.letter_id = c.letter_id
WHERE c.account_id <> '';
-- A copy's rows: its letter's terms, then its states (package search,
-- States; 16 is search.Attribute, 32 search.Listed).
CREATE VIEW search_copy_terms AS
SELECT s.account_id, j.key AS term, s.arrived, s.copy_id, s.folder, s.hidden, j.value::integer AS fields, s.letter_id
FROM search_copies s, jsonb_each_text(s.terms) j
UNION ALL
SELECT account_id, CASE WHEN first_read = '-infinity' THEN '~unread' ELSE '~read' END, arrived, copy_id, folder,
	hidden, 32, letter_id
FROM search_copies WHERE role <> 'sender'
UNION ALL
SELECT account_id, CASE WHEN picked_up = '-infinity' THEN '~awaiting_pickup' ELSE '~picked_up' END, arrived, copy_id,
	folder, hidden, 16, letter_id
FROM search_copies WHERE awaits_pickup;
-- The triggers keep the index in the transaction of every change. Copies
-- come a statement at a time (an accept's are one INSERT): their rows are
-- made from the statement's new rows in one go, as the view makes them
-- (joined with the view, the planner would read every copy).
CREATE FUNCTION search_copies_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
	SELECT n.account_id, j.key, n.arrived, n.id, n.folder, search_hidden(lt.personal, n.folder, n.prev_folder, n.role),
		j.value::integer
	FROM search_inserted n JOIN letter_terms lt ON lt.letter_id = n.letter_id
	CROSS JOIN LATERAL jsonb_each_text(CASE WHEN n.role = 'sender' AND lt.sender_terms IS NOT NULL
		THEN lt.sender_terms ELSE lt.terms END) j
	WHERE n.account_id <> ''
	UNION ALL
	SELECT n.account_id, CASE WHEN n.first_read = '-infinity' THEN '~unread' ELSE '~read' END, n.arrived, n.id, n.folder,
		search_hidden(lt.personal, n.folder, n.prev_folder, n.role), 32
	FROM search_inserted n JOIN letter_terms lt ON lt.letter_id = n.letter_id
	WHERE n.account_id <> '' AND n.role <> 'sender'
	UNION ALL
	SELECT n.account_id, CASE WHEN n.picked_up = '-infinity' THEN '~awaiting_pickup' ELSE '~picked_up' END, n.arrived,
		n.id, n.folder, search_hidden(lt.personal, n.folder, n.prev_folder, n.role), 16
	FROM search_inserted n JOIN letter_terms lt ON lt.letter_id = n.letter_id
	WHERE n.account_id <> '' AND n.awaits_pickup;
	RETURN NULL;
END $$;
CREATE TRIGGER search_copies_inserted AFTER INSERT ON copies REFERENCING NEW TABLE AS search_inserted
	FOR EACH STATEMENT EXECUTE FUNCTION search_copies_inserted();
CREATE FUNCTION search_copy_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE search_terms SET folder = NEW.folder, hidden = s.hidden FROM search_copies s
	WHERE s.copy_id = NEW.id AND search_terms.copy_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER search_copy_moved AFTER UPDATE OF folder, prev_folder ON copies
	FOR EACH ROW WHEN (NEW.account_id <> '' AND (OLD.folder IS DISTINCT FROM NEW.folder
		OR OLD.prev_folder IS DISTINCT FROM NEW.prev_folder))
	EXECUTE FUNCTION search_copy_moved();
-- A state changes: the copy's state terms anew, if it is indexed (not one
-- of a closed account, nor of a letter still to index).
CREATE FUNCTION search_copy_state() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM search_terms WHERE copy_id = NEW.id AND term IN ('~unread', '~read', '~awaiting_pickup', '~picked_up');
	INSERT INTO search_terms (account_id, term, arrived, copy_id, folder, hidden, fields)
	SELECT account_id, term, arrived, copy_id, folder, hidden, fields FROM search_copy_terms
	WHERE copy_id = NEW.id AND term IN ('~unread', '~read', '~awaiting_pickup', '~picked_up')
		AND EXISTS (SELECT 1 FROM search_terms WHERE copy_id = NEW.id AND term = '~all');
	RETURN NULL;
END $$;
CREATE TRIGGER search_copy_state AFTER UPDATE OF first_read, picked_up ON copies
	FOR EACH ROW WHEN (NEW.account_id <> '' AND (OLD.first_read IS DISTINCT FROM NEW.first_read
		OR OLD.picked_up IS DISTINCT FROM NEW.picked_up))
	EXECUTE FUNCTION search_copy_state();
CREATE FUNCTION search_copies_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	c record;
BEGIN
	FOR c IN SELECT id FROM search_deleted WHERE account_id <> '' LOOP
		DELETE FROM search_terms WHERE copy_id = c.id;
	END LOOP;
	RETURN NULL;
END $$;
CREATE TRIGGER search_copies_deleted AFTER DELETE ON copies REFERENCING OLD TABLE AS search_deleted
	FOR EACH STATEMENT EXECUTE FUNCTION search_copies_deleted();
CREATE FUNCTION search_letters_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM letter_terms t USING search_gone g WHERE t.letter_id = g.id;
	DELETE FROM search_backfill b USING search_gone g WHERE b.letter_id = g.id;
	RETURN NULL;
END $$;
CREATE TRIGGER search_letters_deleted AFTER DELETE ON letters REFERENCING OLD TABLE AS search_gone
	FOR EACH STATEMENT EXECUTE FUNCTION search_letters_deleted();
-- Nobody searches a closed account's mailbox (DMG §10): its rows go.
CREATE FUNCTION search_account_closed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM search_terms WHERE account_id = NEW.id;
	RETURN NULL;
END $$;
CREATE TRIGGER search_account_closed AFTER UPDATE OF status ON accounts
	FOR EACH ROW WHEN (NEW.status = 'closed' AND OLD.status <> 'closed')
	EXECUTE FUNCTION search_account_closed();
`,
	9: `
-- What each mailbox holds against its quota (SPEC "Limits"; store/quota.go):
-- a copy counts its letter's body and its own header, in whatever folder; a
-- copy held for another provider (account_id '') counts nowhere. Triggers
-- keep it in the transaction of every copy written, so that no path that
-- files a copy can miss it. They append to mailbox_usage_delta rather than
-- update one row per mailbox: concurrent accepts for one mailbox (a sender's
-- Sent, a busy recipient's Inbox) would each wait for that row's lock until
-- the other's commit, and fail serializable transactions; appended rows
-- conflict with nothing. FoldUsage moves them into mailbox_usage.
CREATE TABLE mailbox_usage (
	account_id text COLLATE "C" PRIMARY KEY,
	used bigint NOT NULL,
	quota bigint NOT NULL, -- the account's own, in bytes; 0: the provider's default
	warned boolean NOT NULL
);
CREATE TABLE mailbox_usage_delta (
	account_id text COLLATE "C" NOT NULL,
	bytes bigint NOT NULL
);
CREATE INDEX mailbox_usage_delta_account ON mailbox_usage_delta (account_id);
-- One row per mailbox per statement: an accept's copies are one INSERT.
CREATE FUNCTION mailbox_usage_copies_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mailbox_usage_delta (account_id, bytes)
	SELECT c.account_id, sum(octet_length(c.header)::bigint + l.body_size)
	FROM added c JOIN letters l ON l.id = c.letter_id
	WHERE c.account_id <> '' GROUP BY c.account_id;
	RETURN NULL;
END $$;
CREATE TRIGGER copies_usage_added AFTER INSERT ON copies REFERENCING NEW TABLE AS added
	FOR EACH STATEMENT EXECUTE FUNCTION mailbox_usage_copies_added();
CREATE FUNCTION mailbox_usage_copies_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mailbox_usage_delta (account_id, bytes)
	SELECT c.account_id, -sum(octet_length(c.header)::bigint + l.body_size)
	FROM removed c JOIN letters l ON l.id = c.letter_id
	WHERE c.account_id <> '' GROUP BY c.account_id;
	RETURN NULL;
END $$;
CREATE TRIGGER copies_usage_removed AFTER DELETE ON copies REFERENCING OLD TABLE AS removed
	FOR EACH STATEMENT EXECUTE FUNCTION mailbox_usage_copies_removed();
-- A copy that changes hands (or letter, or header) leaves one count and
-- joins the other; moving between folders changes nothing and, by the WHEN,
-- costs nothing.
CREATE FUNCTION mailbox_usage_copy_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO mailbox_usage_delta (account_id, bytes)
	SELECT OLD.account_id, -(octet_length(OLD.header)::bigint + l.body_size)
	FROM letters l WHERE l.id = OLD.letter_id AND OLD.account_id <> ''
	UNION ALL
	SELECT NEW.account_id, octet_length(NEW.header)::bigint + l.body_size
	FROM letters l WHERE l.id = NEW.letter_id AND NEW.account_id <> '';
	RETURN NULL;
END $$;
CREATE TRIGGER copies_usage_changed AFTER UPDATE OF account_id, letter_id, header ON copies
	FOR EACH ROW WHEN (OLD.account_id IS DISTINCT FROM NEW.account_id OR OLD.letter_id IS DISTINCT FROM NEW.letter_id
		OR OLD.header IS DISTINCT FROM NEW.header)
	EXECUTE FUNCTION mailbox_usage_copy_changed();
-- What the mailboxes hold already, as changes for the first FoldUsage,
-- which then looks at each mailbox for the low-space notice. The triggers
-- above lock copies against writes first, so nothing slips in between.
INSERT INTO mailbox_usage_delta (account_id, bytes)
SELECT c.account_id, sum(octet_length(c.header)::bigint + l.body_size)
FROM copies c JOIN letters l ON l.id = c.letter_id
WHERE c.account_id <> '' GROUP BY c.account_id;
`,
	10: `
-- A copy the holder made of a letter into one of their folders (TR
-- PVD-FU §3.1.3.7) names the copy it was made from: evidence and pickups
-- stay with that one.
ALTER TABLE copies ADD COLUMN origin text NOT NULL DEFAULT '';
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
	if err := backfillSearch(ctx, conn); err != nil { // search.go
		return from, SchemaVersion(), err
	}
	return from, SchemaVersion(), nil
}
