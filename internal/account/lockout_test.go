package account

import (
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestLockoutSequence(t *testing.T) {
	t.Parallel()
	p := DefaultLockout()
	now := testNow
	failures, lockouts := 0, 0
	want := []time.Duration{
		time.Minute, 4 * time.Minute, 16 * time.Minute, 64 * time.Minute,
		256 * time.Minute, 1024 * time.Minute, 24 * time.Hour, 24 * time.Hour, 24 * time.Hour,
	}
	for round, d := range want {
		for i := 1; i <= 3; i++ {
			var until time.Time
			failures, lockouts, until = p.Failure(failures, lockouts, now)
			if i < 3 {
				if !until.IsZero() || failures != i || lockouts != round {
					t.Fatalf("round %d attempt %d: failures %d lockouts %d until %v", round, i, failures, lockouts, until)
				}
				wantOK(t, CheckLocked(until, now))
				continue
			}
			if got := until.Sub(now); got != d {
				t.Fatalf("round %d: locked for %s, want %s", round, got, d)
			}
			if failures != 0 || lockouts != round+1 {
				t.Fatalf("round %d: after lock failures %d lockouts %d", round, failures, lockouts)
			}
			wantProblem(t, CheckLocked(until, now), problem.Locked, "", "locked")
			wantProblem(t, CheckLocked(until, until.Add(-time.Nanosecond)), problem.Locked, "", "locked")
			wantOK(t, CheckLocked(until, until))
			now = until
		}
	}
}

func TestLockoutCapAndEdges(t *testing.T) {
	t.Parallel()
	p := DefaultLockout()
	for _, n := range []int{6, 7, 50, 1 << 30} {
		if d := p.Duration(n); d != 24*time.Hour {
			t.Errorf("Duration(%d) = %s, want 24h", n, d)
		}
	}
	if d := p.Duration(-3); d != time.Minute {
		t.Errorf("Duration(-3) = %s", d)
	}
	odd := LockoutPolicy{MaxFailures: 3, Base: 5 * time.Minute, Max: time.Hour}
	for n, want := range []time.Duration{5 * time.Minute, 20 * time.Minute, time.Hour, time.Hour} {
		if d := odd.Duration(n); d != want {
			t.Errorf("Duration(%d) = %s, want %s", n, d, want)
		}
	}
	// Negative counts from a damaged row count as 0.
	f, l, until := p.Failure(-5, -2, testNow)
	if f != 1 || l != 0 || !until.IsZero() {
		t.Errorf("Failure(-5, -2) = %d %d %v", f, l, until)
	}
	// A policy over the TR's maximum still locks at the third failure.
	lax := LockoutPolicy{MaxFailures: 10, Base: time.Minute, Max: time.Hour}
	f, l, until = lax.Failure(2, 0, testNow)
	if f != 0 || l != 1 || until.IsZero() {
		t.Errorf("MaxFailures 10 did not lock at the third failure: %d %d %v", f, l, until)
	}
	// MaxFailures 1 locks at once.
	strict := LockoutPolicy{MaxFailures: 1, Base: time.Minute, Max: time.Hour}
	if _, _, until := strict.Failure(0, 0, testNow); until.IsZero() {
		t.Error("MaxFailures 1 did not lock")
	}
}

func TestLockoutPolicyCheck(t *testing.T) {
	t.Parallel()
	wantOK(t, DefaultLockout().Check())
	wantProblem(t, LockoutPolicy{MaxFailures: 4, Base: time.Minute, Max: time.Hour}.Check(), problem.Invalid, "lockout.max_failures", "not_allowed")
	wantProblem(t, LockoutPolicy{MaxFailures: 0, Base: time.Minute, Max: time.Hour}.Check(), problem.Invalid, "lockout.max_failures", "not_allowed")
	wantProblem(t, LockoutPolicy{MaxFailures: 3, Base: 0, Max: time.Hour}.Check(), problem.Invalid, "lockout.base", "required")
	wantProblem(t, LockoutPolicy{MaxFailures: 3, Base: time.Hour, Max: time.Minute}.Check(), problem.Invalid, "lockout.max", "not_allowed")
}

func TestLockoutDecay(t *testing.T) {
	t.Parallel()
	p := DefaultLockout()
	lastLock := testNow
	// The 3rd lock lasted 16 minutes; 24 h after it ended the count resets.
	end := lastLock.Add(16 * time.Minute)
	tests := []struct {
		now  time.Time
		want int
	}{
		{lastLock, 3},
		{end, 3},
		{end.Add(24*time.Hour - time.Second), 3},
		{end.Add(24 * time.Hour), 0},
		{end.Add(365 * 24 * time.Hour), 0},
	}
	for _, tt := range tests {
		got := p.Decay(3, lastLock, tt.now)
		if got != tt.want {
			t.Errorf("Decay at %s = %d, want %d", tt.now.Sub(lastLock), got, tt.want)
		}
		// Idempotent: decaying the result again changes nothing.
		if again := p.Decay(got, lastLock, tt.now); again != got {
			t.Errorf("Decay not idempotent: %d then %d", got, again)
		}
	}
	if got := p.Decay(2, time.Time{}, testNow); got != 2 {
		t.Errorf("Decay without a last lock = %d", got)
	}
	if got := p.Decay(-1, lastLock, testNow); got != 0 {
		t.Errorf("Decay(-1) = %d", got)
	}
	// After a 24 h lock the count survives the lock itself and resets a day later.
	if got := p.Decay(7, lastLock, lastLock.Add(47*time.Hour)); got != 7 {
		t.Errorf("Decay right after a 24 h lock = %d, want 7", got)
	}
	if got := p.Decay(7, lastLock, lastLock.Add(48*time.Hour)); got != 0 {
		t.Errorf("Decay a day after a 24 h lock = %d, want 0", got)
	}
}

func TestCheckLockedMessage(t *testing.T) {
	t.Parallel()
	berlin, err := Berlin()
	wantOK(t, err)
	until := time.Date(2025, 3, 14, 11, 4, 0, 500, berlin) // 10:04:00.0000005 UTC
	err = CheckLocked(until, until.Add(-time.Minute))
	wantProblem(t, err, problem.Locked, "", "locked")
	if msg := problem.As(err).Message; !strings.Contains(msg, "2025-03-14T10:04:01Z") {
		t.Errorf("message %q lacks the UTC time rounded up", msg)
	}
	wantOK(t, CheckLocked(time.Time{}, testNow))
}
