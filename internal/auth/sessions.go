package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// SessionInfo is one of an account's sessions as its holder sees it, to
// recognise where the account is logged in and end what they do not
// recognise.
type SessionInfo struct {
	// ID names the session in pages and requests (SessionID): the token
	// and its hash stay inside the provider, so they are not here either.
	ID    string
	Level account.Level
	// CreatedAt is the login; LastSeen the last request, to the minute
	// (Authenticate); ExpiresAt the end of its maximum age.
	CreatedAt, LastSeen, ExpiresAt time.Time
	// Current marks the session the list was asked for with.
	Current bool
}

func sessionInfo(sess *store.Session, current bool) SessionInfo {
	return SessionInfo{ID: SessionID(sess.TokenHash), Level: sess.Level, CreatedAt: sess.CreatedAt,
		LastSeen: sess.LastSeen, ExpiresAt: sess.ExpiresAt, Current: current}
}

// sessionIDDomain separates the session id's hash from every other use of
// SHA-256 over a token hash.
const sessionIDDomain = "siegel/session-id/v1\x00"

// SessionID is the name of the session with tokenHash that pages may show:
// 128 bits of a SHA-256 of the hash. It is one-way, so it neither
// authenticates (that needs the token) nor leads to the hash the store
// finds sessions by; no key is needed, since knowing an id is worth
// nothing without a session of the same account (RevokeSession looks only
// among the caller's own). 128 bits keep ids apart among any account's
// sessions.
func SessionID(tokenHash string) string {
	h := sha256.Sum256([]byte(sessionIDDomain + tokenHash))
	return base64.RawURLEncoding.EncodeToString(h[:16])
}

// live reports whether a session still authenticates at now, by the rules
// of Authenticate.
func (s *Service) live(sess *store.Session, now time.Time) bool {
	return !now.After(sess.ExpiresAt) && now.Sub(sess.LastSeen) <= s.IdleTimeout
}

// Sessions lists the live sessions of p's account: p's own first, then the
// others newest first. Ended sessions that cleanup has not removed yet are
// left out: they no longer log anyone in.
func (s *Service) Sessions(ctx context.Context, p *Principal) ([]SessionInfo, error) {
	var all []store.Session
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		all, err = tx.AccountSessions(p.Account.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	out := make([]SessionInfo, 0, len(all))
	for i := range all {
		switch sess := &all[i]; {
		case sess.TokenHash == p.Session.TokenHash:
			// The principal's copy: the level it has now, as this request
			// found it.
			out = append([]SessionInfo{sessionInfo(p.Session, true)}, out...)
		case s.live(sess, now):
			out = append(out, sessionInfo(sess, false))
		}
	}
	return out, nil
}

// RevokeSession ends the session of p's account named id (SessionID). It
// reports whether that was p's own, which the caller then logs out. A
// session that is not the account's, or no longer exists, is a NotFound
// problem.
func (s *Service) RevokeSession(ctx context.Context, p *Principal, id string) (current bool, err error) {
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		current = false // the function may run again
		sessions, err := tx.AccountSessions(p.Account.ID)
		if err != nil {
			return err
		}
		for _, sess := range sessions {
			if SessionID(sess.TokenHash) == id {
				current = sess.TokenHash == p.Session.TokenHash
				return tx.DeleteSession(sess.TokenHash)
			}
		}
		return problem.New(problem.NotFound, "session", "session_gone", "no such session; it may have ended already")
	})
	if err != nil {
		return false, err
	}
	s.Log.Info("session ended by its holder", "account", p.Account.ID, "current", current)
	return current, nil
}

// RevokeOtherSessions ends every session of p's account but p's own, and
// returns how many it ended.
func (s *Service) RevokeOtherSessions(ctx context.Context, p *Principal) (int, error) {
	var n int
	err := s.Store.Update(ctx, func(tx store.Tx) (err error) {
		n, err = endOtherSessions(tx, p.Account.ID, p.Session.TokenHash)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.Log.Info("other sessions ended by their holder", "account", p.Account.ID, "count", n)
	return n, nil
}
