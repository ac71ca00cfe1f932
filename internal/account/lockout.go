package account

import (
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// TR ACM-FU §3.6.2: after at most three wrong authentication attempts in a
// row, at least a temporary access block; it ends by itself after a time the
// provider sets, and that time grows with every further block (SPEC
// Accounts: "After at most 3 wrong attempts: temporary lock with growing
// duration").

// LockoutDecay is how long after the end of the last lock the escalation
// is forgotten, so the next lock starts again at Base.
const LockoutDecay = 24 * time.Hour

// LockoutPolicy sets when login locks and for how long.
type LockoutPolicy struct {
	MaxFailures int           // wrong attempts in a row that cause a lock, 1..3
	Base        time.Duration // length of the first lock
	Max         time.Duration // longest lock
}

// DefaultLockout locks after 3 wrong attempts for 1 minute, then 4, 16, 64
// minutes … up to 24 hours.
func DefaultLockout() LockoutPolicy {
	return LockoutPolicy{MaxFailures: 3, Base: time.Minute, Max: 24 * time.Hour}
}

// Check reports whether the policy keeps the rules, for configuration:
// at most 3 wrong attempts (TR ACM-FU §3.6.2), a positive first lock and a
// longest lock no shorter than the first.
func (p LockoutPolicy) Check() error {
	switch {
	case p.MaxFailures < 1 || p.MaxFailures > 3:
		return problem.Field("lockout.max_failures", "not_allowed",
			"Login must lock after 1 to 3 wrong attempts (TR ACM-FU §3.6.2), not %d.", p.MaxFailures)
	case p.Base <= 0:
		return problem.Field("lockout.base", "required", "The first lock must last longer than 0.")
	case p.Max < p.Base:
		return problem.Field("lockout.max", "not_allowed", "The longest lock (%s) is shorter than the first (%s).", p.Max, p.Base)
	}
	return nil
}

// Duration is the length of the lock that follows lockouts earlier locks:
// Base·4^lockouts, capped at Max.
func (p LockoutPolicy) Duration(lockouts int) time.Duration {
	d := p.Base
	if d <= 0 {
		d = time.Minute
	}
	for i := 0; i < lockouts && d < p.Max; i++ {
		if d > p.Max/4 {
			d = p.Max
			break
		}
		d *= 4
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	return d
}

// Failure counts a wrong password or code. failures is the count of wrong
// attempts in a row before this one, lockouts how many locks came before.
// Below MaxFailures it returns the raised count and a zero lockedUntil.
// Reaching MaxFailures locks login until now + Duration(lockouts), resets
// the count to 0 and raises lockouts. Attempts during a lock are refused
// by CheckLocked before any password is checked, so they do not count.
//
// A successful login resets failures to 0 but not lockouts; lockouts fall
// back to 0 through Decay, so whoever keeps guessing keeps meeting longer
// locks.
func (p LockoutPolicy) Failure(failures, lockouts int, now time.Time) (newFailures, newLockouts int, lockedUntil time.Time) {
	if failures < 0 {
		failures = 0
	}
	if lockouts < 0 {
		lockouts = 0
	}
	maxFailures := p.MaxFailures
	if maxFailures < 1 || maxFailures > 3 {
		maxFailures = 3 // TR ACM-FU §3.6.2: at most three
	}
	failures++
	if failures < maxFailures {
		return failures, lockouts, time.Time{}
	}
	return 0, lockouts + 1, now.Add(p.Duration(lockouts))
}

// Decay returns the lockouts to count at now, given the time of the last
// lock: 0 once LockoutDecay has passed after that lock ended, otherwise
// lockouts unchanged. It depends only on its arguments, so calling it again
// on its own result changes nothing.
func (p LockoutPolicy) Decay(lockouts int, lastLock, now time.Time) int {
	if lockouts <= 0 || lastLock.IsZero() {
		if lockouts < 0 {
			return 0
		}
		return lockouts
	}
	lockEnd := lastLock.Add(p.Duration(lockouts - 1))
	if !now.Before(lockEnd.Add(LockoutDecay)) {
		return 0
	}
	return lockouts
}

// CheckLocked refuses a login attempt while a lock lasts, saying until when
// (RFC 3339, UTC). A zero lockedUntil means not locked.
func CheckLocked(lockedUntil, now time.Time) error {
	if lockedUntil.IsZero() || !now.Before(lockedUntil) {
		return nil
	}
	// Rounded up to the second, so the time shown is never too early.
	until := lockedUntil.UTC().Add(time.Second - 1).Truncate(time.Second)
	return problem.New(problem.Locked, "", "locked",
		"Login is locked after repeated wrong attempts until %s; try again then.",
		until.Format(time.RFC3339))
}
