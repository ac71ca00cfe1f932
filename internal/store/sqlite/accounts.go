package sqlite

import (
	"database/sql"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/store"
)

const accountCols = `id, address, kind, pseudonym, display_name, holder, formal_service, status, block,
	block_reason, verification, confirmed_by, confirmed_at, info_ack, malware_consent, password_hash,
	totp_secret, totp_pending, totp_enabled, totp_last_step, failures, lockouts, locked_until, last_lock_at,
	created_at, verified_at, activated_at, closed_at`

func accountArgs(a *store.Account) []any {
	return []any{a.ID, a.Address, string(a.Kind), b2i(a.Pseudonym), a.DisplayName, a.Holder,
		b2i(a.FormalService), string(a.Status), string(a.Block), a.BlockReason, a.Verification,
		a.ConfirmedBy, tm(a.ConfirmedAt), b2i(a.InfoAcknowledged), b2i(a.MalwareConsent),
		a.PasswordHash, a.TOTPSecret, a.TOTPPending, b2i(a.TOTPEnabled), a.TOTPLastStep, a.Failures, a.Lockouts,
		tm(a.LockedUntil), tm(a.LastLockAt), tm(a.CreatedAt), tm(a.VerifiedAt), tm(a.ActivatedAt),
		tm(a.ClosedAt)}
}

type scanner interface{ Scan(dest ...any) error }

// accountSelect is what a read of an account selects: its columns, then
// its passkey count (passkeys.go). alias names the accounts table.
func accountSelect(alias string) string {
	return prefixed(alias, accountCols) + ", " + passkeyCount(alias)
}

// scanAccount scans accountSelect's columns, after the columns prefix names.
func scanAccount(row scanner, prefix ...any) (*store.Account, error) {
	var a store.Account
	var kind, status, block string
	var pseudo, formal, infoAck, malware, totpOn int
	var confirmedAt, lockedUntil, lastLock, created, verified, activated, closed int64
	err := row.Scan(append(prefix, &a.ID, &a.Address, &kind, &pseudo, &a.DisplayName, &a.Holder, &formal, &status,
		&block, &a.BlockReason, &a.Verification, &a.ConfirmedBy, &confirmedAt, &infoAck, &malware,
		&a.PasswordHash, &a.TOTPSecret, &a.TOTPPending, &totpOn, &a.TOTPLastStep, &a.Failures, &a.Lockouts,
		&lockedUntil, &lastLock, &created, &verified, &activated, &closed, &a.Passkeys)...)
	if err != nil {
		return nil, mapErr(err)
	}
	a.Kind, a.Status, a.Block = account.Kind(kind), account.Status(status), account.Block(block)
	a.Pseudonym, a.FormalService = pseudo == 1, formal == 1
	a.InfoAcknowledged, a.MalwareConsent, a.TOTPEnabled = infoAck == 1, malware == 1, totpOn == 1
	a.ConfirmedAt, a.LockedUntil, a.LastLockAt = fromTm(confirmedAt), fromTm(lockedUntil), fromTm(lastLock)
	a.CreatedAt, a.VerifiedAt = fromTm(created), fromTm(verified)
	a.ActivatedAt, a.ClosedAt = fromTm(activated), fromTm(closed)
	return &a, nil
}

func (t *txn) InsertAccount(a *store.Account) error {
	if t.states != nil {
		t.states.touch(a.ID)
	}
	return t.exec(`INSERT INTO accounts (`+accountCols+`) VALUES
		(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, accountArgs(a)...)
}

func (t *txn) UpdateAccount(a *store.Account) error {
	if t.states != nil {
		t.states.touch(a.ID)
	}
	args := accountArgs(a)
	if err := t.exec(`UPDATE accounts SET (`+accountCols+`) =
		(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) WHERE id = ?`, append(args, a.ID)...); err != nil {
		return err
	}
	return nil
}

func (t *txn) AccountByID(id string) (*store.Account, error) {
	return scanAccount(t.q.QueryRowContext(t.ctx, `SELECT `+accountSelect("accounts.")+` FROM accounts WHERE id = ?`, id))
}

func (t *txn) AccountByAddress(addr string) (*store.Account, error) {
	return scanAccount(t.q.QueryRowContext(t.ctx, `SELECT `+accountSelect("accounts.")+` FROM accounts WHERE address = ?`, addr))
}

func (t *txn) AccountState(id, addr string) (*store.AccountState, error) {
	if t.states != nil {
		if st, ok := t.states.get(id, addr); ok {
			return &st, nil
		}
	}
	var a store.AccountState
	var status, block string
	var totp int
	var row *sql.Row
	const cols = `SELECT id, status, block, totp_enabled,
		EXISTS (SELECT 1 FROM passkeys WHERE passkeys.account_id = accounts.id) FROM accounts`
	if id != "" {
		row = t.q.QueryRowContext(t.ctx, cols+` WHERE id = ?`, id)
	} else {
		row = t.q.QueryRowContext(t.ctx, cols+` WHERE address = ?`, addr)
	}
	if err := row.Scan(&a.ID, &status, &block, &totp, &a.HasPasskey); err != nil {
		return nil, mapErr(err)
	}
	a.Status, a.Block, a.TOTPEnabled = account.Status(status), account.Block(block), totp == 1
	if t.states != nil {
		t.states.put(addr, a)
	}
	return &a, nil
}

func (t *txn) ListAccounts(status account.Status, after string, limit int) ([]store.Account, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+accountSelect("accounts.")+` FROM accounts
		WHERE (? = '' OR status = ?) AND id > ? ORDER BY id LIMIT ?`, string(status), string(status), after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *a)
	}
	return out, rows.Err()
}

func (t *txn) AddressTaken(addr string, since time.Time) (bool, error) {
	var n int
	err := t.q.QueryRowContext(t.ctx, `SELECT
		(SELECT COUNT(*) FROM accounts WHERE address = ?) +
		(SELECT COUNT(*) FROM released_addresses WHERE address = ? AND released_at >= ?)`,
		addr, addr, tm(since)).Scan(&n)
	return n > 0, err
}

func (t *txn) ReleaseAddress(addr string, at time.Time) error {
	return t.exec(`INSERT INTO released_addresses (address, released_at) VALUES (?, ?)
		ON CONFLICT (address) DO UPDATE SET released_at = excluded.released_at`, addr, tm(at))
}

func (t *txn) AppendHistory(e account.Entry) error {
	return t.exec(`INSERT INTO account_history (account_id, seq, at, action, actor, detail, prev_hash, hash)
		VALUES (?,?,?,?,?,?,?,?)`, e.Account, e.Seq, tm(e.At), e.Action, e.Actor, e.Detail, e.PrevHash, e.Hash)
}

const historyCols = `account_id, seq, at, action, actor, detail, prev_hash, hash`

func scanEntry(row scanner) (account.Entry, error) {
	var e account.Entry
	var at int64
	err := row.Scan(&e.Account, &e.Seq, &at, &e.Action, &e.Actor, &e.Detail, &e.PrevHash, &e.Hash)
	e.At = fromTm(at)
	return e, mapErr(err)
}

func (t *txn) LastHistory(accountID string) (account.Entry, error) {
	return scanEntry(t.q.QueryRowContext(t.ctx, `SELECT `+historyCols+` FROM account_history
		WHERE account_id = ? ORDER BY seq DESC LIMIT 1`, accountID))
}

func (t *txn) History(accountID string) ([]account.Entry, error) {
	rows, err := t.q.QueryContext(t.ctx, `SELECT `+historyCols+` FROM account_history
		WHERE account_id = ? ORDER BY seq`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []account.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *txn) DailyUsage(accountID, day string) (int, int, error) {
	var m, r int
	err := t.q.QueryRowContext(t.ctx, `SELECT messages, recipients FROM daily_usage
		WHERE account_id = ? AND day = ?`, accountID, day).Scan(&m, &r)
	if err == sql.ErrNoRows {
		return 0, 0, nil
	}
	return m, r, err
}

func (t *txn) AddDailyUsage(accountID, day string, messages, recipients int) error {
	return t.exec(`INSERT INTO daily_usage (account_id, day, messages, recipients) VALUES (?,?,?,?)
		ON CONFLICT (account_id, day) DO UPDATE SET messages = messages + excluded.messages,
		recipients = recipients + excluded.recipients`, accountID, day, messages, recipients)
}

func (t *txn) InsertOfficer(o *store.Officer) error {
	return t.exec(`INSERT INTO officers (id, name, role, token_hash, created_at) VALUES (?,?,?,?,?)`,
		o.ID, o.Name, o.Role, o.TokenHash, tm(o.CreatedAt))
}

func scanOfficer(row scanner) (*store.Officer, error) {
	var o store.Officer
	var created int64
	if err := row.Scan(&o.ID, &o.Name, &o.Role, &o.TokenHash, &created); err != nil {
		return nil, mapErr(err)
	}
	o.CreatedAt = fromTm(created)
	return &o, nil
}

func (t *txn) OfficerByTokenHash(hash string) (*store.Officer, error) {
	return scanOfficer(t.q.QueryRowContext(t.ctx, `SELECT id, name, role, token_hash, created_at
		FROM officers WHERE token_hash = ?`, hash))
}

func (t *txn) OfficerByID(id string) (*store.Officer, error) {
	return scanOfficer(t.q.QueryRowContext(t.ctx, `SELECT id, name, role, token_hash, created_at
		FROM officers WHERE id = ?`, id))
}

func (t *txn) InsertSession(s *store.Session) error {
	return t.exec(`INSERT INTO sessions (token_hash, account_id, level, created_at, last_seen, expires_at)
		VALUES (?,?,?,?,?,?)`, s.TokenHash, s.AccountID, string(s.Level), tm(s.CreatedAt), tm(s.LastSeen), tm(s.ExpiresAt))
}

func (t *txn) SessionByTokenHash(hash string) (*store.Session, error) {
	var s store.Session
	var level string
	var created, seen, exp int64
	err := t.q.QueryRowContext(t.ctx, `SELECT token_hash, account_id, level, created_at, last_seen, expires_at
		FROM sessions WHERE token_hash = ?`, hash).Scan(&s.TokenHash, &s.AccountID, &level, &created, &seen, &exp)
	if err != nil {
		return nil, mapErr(err)
	}
	s.Level = account.Level(level)
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromTm(created), fromTm(seen), fromTm(exp)
	return &s, nil
}

func (t *txn) SessionAccount(hash string) (*store.Session, *store.Account, error) {
	var s store.Session
	var level string
	var created, seen, exp int64
	a, err := scanAccount(t.q.QueryRowContext(t.ctx, `SELECT s.token_hash, s.account_id, s.level, s.created_at,
		s.last_seen, s.expires_at, `+accountSelect("a.")+` FROM sessions s JOIN accounts a ON a.id = s.account_id
		WHERE s.token_hash = ?`, hash), &s.TokenHash, &s.AccountID, &level, &created, &seen, &exp)
	if err != nil {
		return nil, nil, err
	}
	s.Level = account.Level(level)
	s.CreatedAt, s.LastSeen, s.ExpiresAt = fromTm(created), fromTm(seen), fromTm(exp)
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
	return t.exec(`UPDATE sessions SET level = ?, last_seen = ?, expires_at = ? WHERE token_hash = ?`,
		string(s.Level), tm(s.LastSeen), tm(s.ExpiresAt), s.TokenHash)
}

func (t *txn) AccountSessions(accountID string) ([]store.Session, error) {
	// sessions_account (account_id) finds the rows; an account has few.
	rows, err := t.q.QueryContext(t.ctx, `SELECT token_hash, account_id, level, created_at, last_seen, expires_at
		FROM sessions WHERE account_id = ? ORDER BY created_at DESC, token_hash`, accountID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	var out []store.Session
	for rows.Next() {
		var s store.Session
		var level string
		var created, seen, exp int64
		if err := rows.Scan(&s.TokenHash, &s.AccountID, &level, &created, &seen, &exp); err != nil {
			return nil, mapErr(err)
		}
		s.Level = account.Level(level)
		s.CreatedAt, s.LastSeen, s.ExpiresAt = fromTm(created), fromTm(seen), fromTm(exp)
		out = append(out, s)
	}
	return out, mapErr(rows.Err())
}

func (t *txn) DeleteSession(tokenHash string) error {
	return t.exec(`DELETE FROM sessions WHERE token_hash = ?`, tokenHash)
}

func (t *txn) DeleteAccountSessions(accountID string) error {
	return t.exec(`DELETE FROM sessions WHERE account_id = ?`, accountID)
}

func (t *txn) DeleteExpiredSessions(now, idleSince time.Time, limit int) (int, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	res, err := t.q.ExecContext(t.ctx, `DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions
		WHERE expires_at < ? OR last_seen < ? LIMIT ?)`, tm(now), tm(idleSince), limit)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	return int(n), mapErr(err)
}
