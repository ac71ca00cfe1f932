package auth

import (
	"context"
	"crypto/rand"
	"fmt"
	"strings"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// The fields of a password change, as a form or a request names them.
const (
	FieldCurrentPassword = "current_password"
	FieldNewPassword     = "new_password"
)

// ChangePassword replaces the holder's password (SPEC Accounts: never kept
// recoverably, so only as a new argon2id hash made with params) after
// checking the current one, and ends every other session of the account:
// whoever may have learnt the old password loses what it gave them, while
// the holder stays logged in here.
//
// The current password is a login in all but name, so it follows the
// login's rules: refused while the login is locked, and a wrong one counts
// towards the lock (TR ACM-FU §3.6.2: at most 3 wrong attempts), since a
// session left open on a shared computer would otherwise let anyone guess
// it without limit. The new one must keep account.CheckPasswordPolicy, and
// may not be the account's address or its local part, the first thing a
// guesser tries (NIST SP 800-63B §5.1.1.2: context-specific words), nor the
// current password. When the account has a second factor, the change needs a
// session at high, as replacing the factor does (EnrollTOTP): a stolen
// password alone must not lock the holder out of their account.
//
// The change is written to the account's tamper-evident history (SPEC
// Accounts: every change of account data, and by whom). Errors name the
// field they are about: FieldCurrentPassword or FieldNewPassword. params is
// the provider's cost of new hashes, the one registration makes initial
// passwords with: the Service has none of its own (Login only verifies).
func (s *Service) ChangePassword(ctx context.Context, p *Principal, current, next string, params account.Argon2Params) error {
	if current == "" {
		return problem.Field(FieldCurrentPassword, "required", "The current password is required.")
	}
	if next == "" {
		return problem.Field(FieldNewPassword, "required", "The new password is required.")
	}
	if p.Account.SecondFactor() && p.Level() != account.High { // TOTP or a passkey (passkey.go)
		return problem.New(problem.Forbidden, "", "login_level",
			"this account has a second factor; changing the password needs a session at high")
	}
	// The new password's rules first: they cost nothing and count nothing,
	// and an address used as a password is refused before any hashing.
	if err := CheckNewPassword(p.Account.Address, next); err != nil {
		return err
	}
	now := s.Clock.Now()
	var acc *store.Account
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		acc, err = tx.AccountByID(p.Account.ID)
		return err
	})
	if err != nil {
		return err
	}
	if err := account.CheckLocked(acc.LockedUntil, now); err != nil {
		return onField(err, FieldCurrentPassword)
	}
	ok, err := account.VerifyPassword(acc.PasswordHash, current)
	if err != nil {
		return fmt.Errorf("account %s: stored password hash: %w", acc.ID, err)
	}
	if !ok {
		// The lock, when this failure caused one, goes next to the field too.
		return onField(s.failure(ctx, acc.ID, wrongPassword()), FieldCurrentPassword)
	}
	if next == current {
		return problem.Field(FieldNewPassword, "unchanged", "The new password is the current one; choose another.")
	}
	hash, err := account.HashPassword(params, next, rand.Reader)
	if err != nil {
		return err
	}
	var ended int
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(acc.ID)
		if err != nil {
			return err
		}
		if a.PasswordHash != acc.PasswordHash {
			// Another change came first: the current password checked
			// above may no longer be the current one.
			return problem.New(problem.Conflict, FieldCurrentPassword, "password_changed",
				"the password was changed in the meantime; enter the new current password")
		}
		// The password was proven: like a successful login, this ends the
		// run of wrong attempts.
		a.PasswordHash, a.Failures = hash, 0
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if ended, err = endOtherSessions(tx, a.ID, p.Session.TokenHash); err != nil {
			return err
		}
		return registration.Record(tx, now, a.ID, "password_changed", account.ActorUser,
			map[string]any{"other_sessions_ended": ended})
	})
	if err != nil {
		return err
	}
	p.Account.PasswordHash, p.Account.Failures = hash, 0
	s.Log.Info("password changed", "account", acc.ID, "other_sessions_ended", ended)
	return nil
}

// CheckNewPassword checks a password a holder chooses for themselves:
// account.CheckPasswordPolicy, and not the address or its local part in
// any case. Its errors name FieldNewPassword.
func CheckNewPassword(addr, password string) error {
	if err := account.CheckPasswordPolicy(password); err != nil {
		return withField(err, FieldNewPassword)
	}
	pw := strings.ToLower(strings.TrimSpace(password))
	addr = strings.ToLower(addr)
	local, _, _ := strings.Cut(addr, "@")
	if pw == addr || pw == local {
		return problem.Field(FieldNewPassword, "like_address", "The password is the address; choose another.")
	}
	return nil
}

// withField is err with its field replaced by field: the account
// package's rules name a "password", which here is one of two.
func withField(err error, field string) error {
	pr := problem.As(err)
	if pr == nil {
		return err
	}
	c := *pr
	c.Field = field
	return &c
}

// onField puts a problem that names no field (a lock) next to field.
func onField(err error, field string) error {
	if pr := problem.As(err); pr != nil && pr.Field == "" {
		return withField(err, field)
	}
	return err
}

// wrongPassword is a field error, not Unauthorized: the session is valid,
// and an API client must not take the answer for a reason to log in again.
func wrongPassword() error {
	return problem.Field(FieldCurrentPassword, "wrong_password", "The current password is wrong.")
}

// endOtherSessions deletes every session of the account but keep, and
// returns how many it deleted. keep must still exist: a session revoked
// meanwhile may not go on to act.
func endOtherSessions(tx store.Tx, accountID, keep string) (int, error) {
	sessions, err := tx.AccountSessions(accountID)
	if err != nil {
		return 0, err
	}
	found, n := false, 0
	for _, sess := range sessions {
		if sess.TokenHash == keep {
			found = true
			continue
		}
		if err := tx.DeleteSession(sess.TokenHash); err != nil {
			return 0, err
		}
		n++
	}
	if !found {
		return 0, unauthenticated()
	}
	return n, nil
}
