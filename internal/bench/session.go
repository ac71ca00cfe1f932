package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api/client"
)

// A sender logs in at high with its TOTP code. A provider takes each code
// once (replay protection, TR ACM-FU §3.1) and locks an account after three
// wrong ones, so runs one after another must neither reuse a code nor
// guess: the session cache keeps each sender's session token and the last
// TOTP step it used, and a run reuses a session that is still high, or logs
// in with a code of a later step, waiting for it when it is not yet valid.

// cachedSession is one sender's entry in the session cache file.
type cachedSession struct {
	Token string `json:"token"`
	Step  int64  `json:"totp_step"` // the last TOTP step used in a login
}

// sessionCache is the cache file's content, by address.
type sessionCache map[string]cachedSession

// parseSessionCache reads the cache file; a missing or unreadable cache is
// an empty one (it is only a saving).
func parseSessionCache(b []byte) sessionCache {
	c := sessionCache{}
	if json.Unmarshal(b, &c) != nil {
		return sessionCache{}
	}
	return c
}

func loadSessionCache(path string) sessionCache {
	if path == "" {
		return sessionCache{}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return sessionCache{}
	}
	return parseSessionCache(b)
}

func (c sessionCache) save(path string) error {
	if path == "" {
		return nil
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// loginHigh returns a client of base with a session at high for a.
func loginHigh(ctx context.Context, base *client.Client, a Account, cache sessionCache, now func() time.Time) (*client.Client, error) {
	prev := cache[a.Address]
	if prev.Token != "" {
		c := base.With(prev.Token)
		if s, err := c.Session(ctx); err == nil && s.Level == string(account.High) {
			return c, nil
		}
	}
	step := max(account.TOTPStep(now()), prev.Step+1)
	// A code is valid one step either side of now (account.VerifyTOTP).
	if wait := time.Unix((step-1)*account.TOTPPeriod, 0).Sub(now()); wait > 0 {
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	code, err := account.TOTPCode(a.TOTPSecret, time.Unix(step*account.TOTPPeriod, 0))
	if err != nil {
		return nil, fmt.Errorf("sender %s: %w", a.Address, err)
	}
	s, err := base.Login(ctx, a.Address, a.Password, code)
	if err != nil {
		var ce *client.Error
		if errors.As(err, &ce) {
			return nil, fmt.Errorf("sender %s: login at high: %w", a.Address, err)
		}
		return nil, err
	}
	cache[a.Address] = cachedSession{Token: s.Token, Step: step}
	if s.Level != string(account.High) {
		return nil, fmt.Errorf("sender %s: the login gave level %s, not high", a.Address, s.Level)
	}
	return base.With(s.Token), nil
}
