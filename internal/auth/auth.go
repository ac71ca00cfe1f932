// Package auth logs account holders in at a level and keeps their sessions
// (DMG §4; TR ACM-FU "Anmeldung"): a password gives `normal`, a password and a
// one-time code give `high`, a `normal` session steps up to `high` with a code.
// Three wrong attempts lock the login for a growing time. The first successful
// login activates a verified account. Officers authenticate with tokens.
package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/address"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// TokenPrefix starts every session token, so that a leaked token is recognisable
// to secret scanners.
const TokenPrefix = "sgl_"

// Service authenticates users and officers.
type Service struct {
	Store   store.Store
	Clock   clock.Clock
	Lockout account.LockoutPolicy
	// IdleTimeout ends a session unused for this long; MaxAge ends any session.
	IdleTimeout time.Duration
	MaxAge      time.Duration
	// Sealer protects TOTP secrets at rest.
	Sealer *Sealer
	// Issuer names the provider in authenticator apps.
	Issuer string
	// OnHighLogin runs in the transaction of every login or step-up to high:
	// the mailbox records pickups there (DMG §5(9)), so a login at high and
	// the pickups it causes are committed together.
	OnHighLogin func(tx store.Tx, accountID string, now time.Time) error
	Log         *slog.Logger
	// dummyHash is verified when an address is unknown, so that a wrong address
	// costs as much time as a wrong password.
	DummyHash string
}

// Principal is an authenticated session with its account.
type Principal struct {
	Account *store.Account
	Session *store.Session
}

// Level is the session's login level.
func (p *Principal) Level() account.Level { return p.Session.Level }

// Login checks a password and, when code is given, a TOTP code, and opens a
// session at normal or high. It returns the bearer token, shown once.
func (s *Service) Login(ctx context.Context, addr, password, code string) (string, *Principal, error) {
	a, err := address.Parse(addr)
	if err != nil {
		return "", nil, problem.WithField(err, "address")
	}
	if password == "" {
		return "", nil, problem.Field("password", "required", "password is required")
	}
	level := account.Normal
	if code != "" {
		level = account.High
	}
	var acc *store.Account
	err = s.Store.View(ctx, func(tx store.Tx) error {
		acc, err = tx.AccountByAddress(a.String())
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		account.VerifyPassword(s.DummyHash, password)
		return "", nil, badCredentials()
	}
	if err != nil {
		return "", nil, err
	}
	now := s.Clock.Now()
	if err := account.CheckLocked(acc.LockedUntil, now); err != nil {
		return "", nil, err
	}
	if acc.PasswordHash == "" {
		// Not verified yet, or closed: no credentials exist. Answer as for a
		// wrong password, so the status stays private.
		account.VerifyPassword(s.DummyHash, password)
		return "", nil, badCredentials()
	}
	ok, err := account.VerifyPassword(acc.PasswordHash, password)
	if err != nil {
		return "", nil, fmt.Errorf("account %s: stored password hash: %w", acc.ID, err)
	}
	if !ok {
		return "", nil, s.failure(ctx, acc.ID, badCredentials())
	}
	// Only someone who knows the password learns about blocks.
	if err := account.CanLogin(acc.Status, acc.Block, level); err != nil {
		return "", nil, err
	}
	var step int64
	if level == account.High {
		if step, err = s.checkCode(acc, code, now); err != nil {
			return "", nil, s.failure(ctx, acc.ID, err)
		}
	}
	token, hash := newToken()
	sess := &store.Session{TokenHash: hash, AccountID: acc.ID, Level: level, CreatedAt: now,
		LastSeen: now, ExpiresAt: now.Add(s.MaxAge)}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(acc.ID)
		if err != nil {
			return err
		}
		if err := account.CheckLocked(a.LockedUntil, now); err != nil {
			return err
		}
		if step != 0 {
			if step <= a.TOTPLastStep {
				// Another login used this code in the meantime: one-time data.
				return problem.Field("totp_code", "invalid_code", "the code was already used; wait for the next one")
			}
			a.TOTPLastStep = step
		}
		a.Failures = 0
		if level == account.High && s.OnHighLogin != nil {
			if err := s.OnHighLogin(tx, a.ID, now); err != nil {
				return err
			}
		}
		if a.Status == account.Verified {
			// SPEC Activation: the first successful login activates the account.
			a.Status, a.ActivatedAt = account.Active, now
			if err := registration.Record(tx, now, a.ID, "activated", "user", map[string]any{"level": level}); err != nil {
				return err
			}
		}
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		acc = a
		return tx.InsertSession(sess)
	})
	if err != nil {
		return "", nil, err
	}
	s.Log.Info("login", "account", acc.ID, "level", level)
	return token, &Principal{Account: acc, Session: sess}, nil
}

func badCredentials() error {
	return problem.New(problem.Unauthorized, "password", "bad_credentials", "address or password is wrong")
}

func (s *Service) checkCode(acc *store.Account, code string, now time.Time) (int64, error) {
	if !acc.TOTPEnabled {
		return 0, problem.New(problem.Forbidden, "totp_code", "no_second_factor",
			"this account has no second factor enrolled; log in with the password and enrol one for high")
	}
	secret, err := s.Sealer.Open(acc.TOTPSecret, acc.ID)
	if err != nil {
		return 0, fmt.Errorf("account %s: open totp secret: %w", acc.ID, err)
	}
	return account.VerifyTOTP(string(secret), code, now, acc.TOTPLastStep)
}

// failure counts a wrong password or code and locks the login when the count
// reaches the policy's maximum (SPEC: after at most 3 wrong attempts). It returns
// the error for the user: the lock, when this failure caused one.
func (s *Service) failure(ctx context.Context, accountID string, cause error) error {
	now := s.Clock.Now()
	var locked time.Time
	err := s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(accountID)
		if err != nil {
			return err
		}
		lockouts := s.Lockout.Decay(a.Lockouts, a.LastLockAt, now)
		a.Failures, a.Lockouts, locked = s.Lockout.Failure(a.Failures, lockouts, now)
		if !locked.IsZero() {
			a.LockedUntil, a.LastLockAt = locked, now
			if err := registration.Record(tx, now, a.ID, "login_locked", "system",
				map[string]any{"until": locked.Format(time.RFC3339)}); err != nil {
				return err
			}
		}
		return tx.UpdateAccount(a)
	})
	if err != nil {
		return err
	}
	if !locked.IsZero() {
		s.Log.Warn("login locked", "account", accountID, "until", locked)
		return account.CheckLocked(locked, now)
	}
	return cause
}

// StepUp raises a normal session to high with a TOTP code (TR ACM-FU).
func (s *Service) StepUp(ctx context.Context, p *Principal, code string) error {
	if p.Session.Level == account.High {
		return nil
	}
	now := s.Clock.Now()
	acc := p.Account
	if err := account.CheckLocked(acc.LockedUntil, now); err != nil {
		return err
	}
	if err := account.CanLogin(acc.Status, acc.Block, account.High); err != nil {
		return err
	}
	step, err := s.checkCode(acc, code, now)
	if err != nil {
		return s.failure(ctx, acc.ID, err)
	}
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(acc.ID)
		if err != nil {
			return err
		}
		if step <= a.TOTPLastStep {
			return problem.Field("totp_code", "invalid_code", "the code was already used; wait for the next one")
		}
		a.TOTPLastStep, a.Failures = step, 0
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		if s.OnHighLogin != nil {
			if err := s.OnHighLogin(tx, a.ID, now); err != nil {
				return err
			}
		}
		p.Session.Level = account.High
		p.Session.LastSeen = now
		return tx.UpdateSession(p.Session)
	})
	if err == nil {
		s.Log.Info("step-up", "account", acc.ID)
	}
	return err
}

// Authenticate resolves a bearer token to its session and account.
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if !strings.HasPrefix(token, TokenPrefix) {
		return nil, unauthenticated()
	}
	hash := registration.HashToken(token)
	now := s.Clock.Now()
	var p Principal
	err := s.Store.Peek(ctx, func(tx store.Tx) error {
		sess, acc, err := tx.SessionAccount(hash)
		p = Principal{Account: acc, Session: sess}
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, unauthenticated()
	}
	if err != nil {
		return nil, err
	}
	if now.After(p.Session.ExpiresAt) || now.Sub(p.Session.LastSeen) > s.IdleTimeout {
		return nil, problem.New(problem.Unauthorized, "", "session_expired", "the session has expired; log in again")
	}
	if err := account.CanLogin(p.Account.Status, p.Account.Block, p.Session.Level); err != nil {
		return nil, err
	}
	// Record activity at most once a minute: a write per request would put every
	// read on the committer's path.
	if now.Sub(p.Session.LastSeen) > time.Minute {
		p.Session.LastSeen = now
		sess := *p.Session
		if err := s.Store.Update(ctx, func(tx store.Tx) error { return tx.UpdateSession(&sess) }); err != nil {
			return nil, err
		}
	}
	return &p, nil
}

func unauthenticated() error {
	return problem.New(problem.Unauthorized, "", "unauthenticated", "a valid session token is required (log in first)")
}

// Logout ends a session.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	return s.Store.Update(ctx, func(tx store.Tx) error { return tx.DeleteSession(p.Session.TokenHash) })
}

func newToken() (token, hash string) {
	var b [32]byte
	rand.Read(b[:])
	token = TokenPrefix + base64.RawURLEncoding.EncodeToString(b[:])
	return token, registration.HashToken(token)
}

// Officer resolves an officer's bearer token.
func (s *Service) Officer(ctx context.Context, token string) (*store.Officer, error) {
	if !strings.HasPrefix(token, registration.OfficerTokenPrefix) {
		return nil, problem.New(problem.Unauthorized, "", "unauthenticated", "an officer token is required")
	}
	var o *store.Officer
	err := s.Store.View(ctx, func(tx store.Tx) error {
		var err error
		o, err = tx.OfficerByTokenHash(registration.HashToken(token))
		return err
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil, problem.New(problem.Unauthorized, "", "unauthenticated", "the officer token is not valid")
	}
	return o, err
}
