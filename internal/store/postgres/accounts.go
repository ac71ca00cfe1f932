package postgres

import (
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

const accountCols = `id, address, kind, pseudonym, display_name, holder, formal_service, status, block,
	block_reason, verification, confirmed_by, confirmed_at, info_ack, malware_consent, password_hash,
	totp_secret, totp_pending, totp_enabled, totp_last_step, failures, lockouts, locked_until, last_lock_at,
	created_at, verified_at, activated_at, closed_at`

func accountArgs(a *store.Account) []any {
	return []any{a.ID, a.Address, string(a.Kind), a.Pseudonym, a.DisplayName, a.Holder,
		a.FormalService, string(a.Status), string(a.Block), a.BlockReason, a.Verification,
		a.ConfirmedBy, ts(a.ConfirmedAt), a.InfoAcknowledged, a.MalwareConsent,
		a.PasswordHash, a.TOTPSecret, a.TOTPPending, a.TOTPEnabled, a.TOTPLastStep, a.Failures, a.Lockouts,
		ts(a.LockedUntil), ts(a.LastLockAt), ts(a.CreatedAt), ts(a.VerifiedAt), ts(a.ActivatedAt),
		ts(a.ClosedAt)}
}

// accountSelect is what a read of an account selects: its columns, then
// its passkey count (passkeys.go). alias names the accounts table.
func accountSelect(alias string) string {
	return prefixed(alias, accountCols) + ", " + passkeyCount(alias)
}

// scanAccount scans accountSelect's columns, after the columns prefix names.
func scanAccount(row pgx.Row, prefix ...any) (*store.Account, error) {
	var a store.Account
	var kind, status, block string
	err := row.Scan(append(prefix, &a.ID, &a.Address, &kind, &a.Pseudonym, &a.DisplayName, &a.Holder,
		&a.FormalService, &status, &block, &a.BlockReason, &a.Verification, &a.ConfirmedBy, tsz{&a.ConfirmedAt},
		&a.InfoAcknowledged, &a.MalwareConsent, &a.PasswordHash, &a.TOTPSecret, &a.TOTPPending, &a.TOTPEnabled,
		&a.TOTPLastStep, &a.Failures, &a.Lockouts, tsz{&a.LockedUntil}, tsz{&a.LastLockAt}, tsz{&a.CreatedAt},
		tsz{&a.VerifiedAt}, tsz{&a.ActivatedAt}, tsz{&a.ClosedAt}, &a.Passkeys)...)
	if err != nil {
		return nil, err
	}
	a.Kind, a.Status, a.Block = account.Kind(kind), account.Status(status), account.Block(block)
	return &a, nil
}

// oneAccount reads the account a query selects.
func (t *txn) oneAccount(sql string, args ...any) (*store.Account, error) {
	var a *store.Account
	err := t.row(sql, args, func(r pgx.Row) (err error) {
		a, err = scanAccount(r)
		return err
	})
	return a, err
}

func (t *txn) InsertAccount(a *store.Account) error {
	return t.write(`INSERT INTO accounts (`+accountCols+`) VALUES
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28)`,
		accountArgs(a)...)
}

// UpdateAccount rewrites every column but the id; an account that does not
// exist is no error (the suite leaves that open, and SQLite does the same).
func (t *txn) UpdateAccount(a *store.Account) error {
	return t.write(`UPDATE accounts SET (`+accountCols+`) =
		($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28)
		WHERE id = $1`, accountArgs(a)...)
}

func (t *txn) AccountByID(id string) (*store.Account, error) {
	return t.oneAccount(`SELECT `+accountSelect("accounts.")+` FROM accounts WHERE id = $1`, id)
}

func (t *txn) AccountByAddress(addr string) (*store.Account, error) {
	return t.oneAccount(`SELECT `+accountSelect("accounts.")+` FROM accounts WHERE address = $1`, addr)
}

func (t *txn) AccountState(id, addr string) (*store.AccountState, error) {
	const cols = `SELECT id, status, block, totp_enabled,
		EXISTS (SELECT FROM passkeys WHERE passkeys.account_id = accounts.id) FROM accounts`
	sql, arg := cols+` WHERE id = $1`, id
	if id == "" {
		sql, arg = cols+` WHERE address = $1`, addr
	}
	var a store.AccountState
	var status, block string
	err := t.row(sql, []any{arg}, func(r pgx.Row) error {
		return r.Scan(&a.ID, &status, &block, &a.TOTPEnabled, &a.HasPasskey)
	})
	if err != nil {
		return nil, err
	}
	a.Status, a.Block = account.Status(status), account.Block(block)
	return &a, nil
}

// ListAccounts has a query for each case, rather than "$1 = ” OR status =
// $1": a prepared statement's generic plan could not use accounts_status.
func (t *txn) ListAccounts(status account.Status, after string, limit int) ([]store.Account, error) {
	sql, args := `SELECT `+accountSelect("accounts.")+` FROM accounts WHERE id > $1 ORDER BY id LIMIT $2`, []any{after, limit}
	if status != "" {
		sql = `SELECT ` + accountSelect("accounts.") + ` FROM accounts WHERE status = $3 AND id > $1 ORDER BY id LIMIT $2`
		args = append(args, string(status))
	}
	return collect(t, sql, args, func(r pgx.Row) (store.Account, error) {
		a, err := scanAccount(r)
		if err != nil {
			return store.Account{}, err
		}
		return *a, nil
	})
}

func (t *txn) AddressTaken(addr string, since time.Time) (bool, error) {
	var taken bool
	err := t.row(`SELECT EXISTS (SELECT FROM accounts WHERE address = $1)
		OR EXISTS (SELECT FROM released_addresses WHERE address = $1 AND released_at >= $2)`,
		[]any{addr, ts(since)}, func(r pgx.Row) error { return r.Scan(&taken) })
	return taken, err
}

func (t *txn) ReleaseAddress(addr string, at time.Time) error {
	return t.write(`INSERT INTO released_addresses (address, released_at) VALUES ($1, $2)
		ON CONFLICT (address) DO UPDATE SET released_at = excluded.released_at`, addr, ts(at))
}

func (t *txn) AppendHistory(e account.Entry) error {
	return t.write(`INSERT INTO account_history (account_id, seq, at, action, actor, detail, prev_hash, hash)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`, e.Account, e.Seq, ts(e.At), e.Action, e.Actor, e.Detail, e.PrevHash, e.Hash)
}

const historyCols = `account_id, seq, at, action, actor, detail, prev_hash, hash`

func scanEntry(r pgx.Row) (account.Entry, error) {
	var e account.Entry
	err := r.Scan(&e.Account, &e.Seq, tsz{&e.At}, &e.Action, &e.Actor, &e.Detail, &e.PrevHash, &e.Hash)
	return e, err
}

func (t *txn) LastHistory(accountID string) (account.Entry, error) {
	var e account.Entry
	err := t.row(`SELECT `+historyCols+` FROM account_history WHERE account_id = $1 ORDER BY seq DESC LIMIT 1`,
		[]any{accountID}, func(r pgx.Row) (err error) {
			e, err = scanEntry(r)
			return err
		})
	return e, err
}

func (t *txn) History(accountID string) ([]account.Entry, error) {
	return collect(t, `SELECT `+historyCols+` FROM account_history WHERE account_id = $1 ORDER BY seq`,
		[]any{accountID}, scanEntry)
}

func (t *txn) DailyUsage(accountID, day string) (int, int, error) {
	var m, r int
	err := t.row(`SELECT messages, recipients FROM daily_usage WHERE account_id = $1 AND day = $2`,
		[]any{accountID, day}, func(row pgx.Row) error { return row.Scan(&m, &r) })
	if errors.Is(err, store.ErrNotFound) {
		return 0, 0, nil
	}
	return m, r, err
}

func (t *txn) AddDailyUsage(accountID, day string, messages, recipients int) error {
	return t.write(`INSERT INTO daily_usage AS u (account_id, day, messages, recipients) VALUES ($1,$2,$3,$4)
		ON CONFLICT (account_id, day) DO UPDATE SET messages = u.messages + excluded.messages,
		recipients = u.recipients + excluded.recipients`, accountID, day, messages, recipients)
}

func (t *txn) InsertOfficer(o *store.Officer) error {
	return t.write(`INSERT INTO officers (id, name, role, token_hash, created_at) VALUES ($1,$2,$3,$4,$5)`,
		o.ID, o.Name, o.Role, o.TokenHash, ts(o.CreatedAt))
}

func (t *txn) oneOfficer(sql string, arg string) (*store.Officer, error) {
	var o store.Officer
	err := t.row(sql, []any{arg}, func(r pgx.Row) error {
		return r.Scan(&o.ID, &o.Name, &o.Role, &o.TokenHash, tsz{&o.CreatedAt})
	})
	if err != nil {
		return nil, err
	}
	return &o, nil
}

func (t *txn) OfficerByTokenHash(hash string) (*store.Officer, error) {
	return t.oneOfficer(`SELECT id, name, role, token_hash, created_at FROM officers WHERE token_hash = $1`, hash)
}

func (t *txn) OfficerByID(id string) (*store.Officer, error) {
	return t.oneOfficer(`SELECT id, name, role, token_hash, created_at FROM officers WHERE id = $1`, id)
}

func (t *txn) InsertSession(s *store.Session) error {
	return t.write(`INSERT INTO sessions (token_hash, account_id, level, created_at, last_seen, expires_at)
		VALUES ($1,$2,$3,$4,$5,$6)`, s.TokenHash, s.AccountID, string(s.Level), ts(s.CreatedAt), ts(s.LastSeen),
		ts(s.ExpiresAt))
}

// sessionDest is where a session's columns scan to.
func sessionDest(s *store.Session, level *string) []any {
	return []any{&s.TokenHash, &s.AccountID, level, tsz{&s.CreatedAt}, tsz{&s.LastSeen}, tsz{&s.ExpiresAt}}
}

func (t *txn) SessionByTokenHash(hash string) (*store.Session, error) {
	var s store.Session
	var level string
	err := t.row(`SELECT token_hash, account_id, level, created_at, last_seen, expires_at
		FROM sessions WHERE token_hash = $1`, []any{hash}, func(r pgx.Row) error { return r.Scan(sessionDest(&s, &level)...) })
	if err != nil {
		return nil, err
	}
	s.Level = account.Level(level)
	return &s, nil
}

func (t *txn) SessionAccount(hash string) (*store.Session, *store.Account, error) {
	var s store.Session
	var level string
	var a *store.Account
	err := t.row(`SELECT s.token_hash, s.account_id, s.level, s.created_at, s.last_seen, s.expires_at,
		`+accountSelect("a.")+` FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = $1`, []any{hash}, func(r pgx.Row) (err error) {
		a, err = scanAccount(r, sessionDest(&s, &level)...)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	s.Level = account.Level(level)
	return &s, a, nil
}

// prefixed qualifies each column of a list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

func (t *txn) UpdateSession(s *store.Session) error {
	return t.write(`UPDATE sessions SET level = $1, last_seen = $2, expires_at = $3 WHERE token_hash = $4`,
		string(s.Level), ts(s.LastSeen), ts(s.ExpiresAt), s.TokenHash)
}

func (t *txn) AccountSessions(accountID string) ([]store.Session, error) {
	// sessions_account (account_id) finds the rows; an account has few.
	return collect(t, `SELECT token_hash, account_id, level, created_at, last_seen, expires_at
		FROM sessions WHERE account_id = $1 ORDER BY created_at DESC, token_hash`, []any{accountID},
		func(r pgx.Row) (store.Session, error) {
			var s store.Session
			var level string
			if err := r.Scan(sessionDest(&s, &level)...); err != nil {
				return store.Session{}, err
			}
			s.Level = account.Level(level)
			return s, nil
		})
}

func (t *txn) DeleteSession(tokenHash string) error {
	return t.write(`DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
}

func (t *txn) DeleteAccountSessions(accountID string) error {
	return t.write(`DELETE FROM sessions WHERE account_id = $1`, accountID)
}

func (t *txn) DeleteExpiredSessions(now, idleSince time.Time, limit int) (int, error) {
	// SKIP LOCKED: a session being used (its last_seen updated) right now is
	// not waited for; the next round gets it if it is still idle.
	n, err := t.exec(`DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions
		WHERE expires_at < $1 OR last_seen < $2 LIMIT $3 FOR UPDATE SKIP LOCKED)`, ts(now), ts(idleSince), limit)
	return int(n), err
}
