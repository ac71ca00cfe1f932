package account

import (
	"fmt"
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

var (
	allStatuses = []Status{Pending, AwaitingConfirmation, Verified, Active, Closed}
	allBlocks   = []Block{NoBlock, FullBlock, HighBlock, NormalBlock, UsageBlock}
)

func TestCanLogin(t *testing.T) {
	t.Parallel()
	// want maps status/block/level to the expected code, "" for allowed.
	want := func(s Status, b Block, l Level) string {
		switch {
		case s == Closed:
			return "account_closed"
		case b == FullBlock:
			return "account_blocked"
		case s == Pending || s == AwaitingConfirmation:
			return "not_verified"
		case b == HighBlock && l == High, b == NormalBlock && l == Normal:
			return "level_blocked"
		}
		return ""
	}
	for _, s := range allStatuses {
		for _, b := range allBlocks {
			for _, l := range []Level{Normal, High} {
				t.Run(fmt.Sprintf("%s/%s/%s", s, b, l), func(t *testing.T) {
					code := want(s, b, l)
					field := ""
					if code == "level_blocked" {
						field = "level"
					}
					check(t, CanLogin(s, b, l), problem.Forbidden, field, code)
				})
			}
		}
	}
	// Unknown values fail closed.
	wantProblem(t, CanLogin(Active, Block("partial"), Normal), problem.Forbidden, "", "account_blocked")
	wantProblem(t, CanLogin(Status("zombie"), NoBlock, Normal), problem.Forbidden, "", "not_verified")
	wantProblem(t, CanLogin(Active, NoBlock, Level("medium")), problem.Invalid, "level", "syntax")
}

func TestCanSend(t *testing.T) {
	t.Parallel()
	for _, s := range allStatuses {
		for _, b := range allBlocks {
			var code string
			switch {
			case s == Closed:
				code = "account_closed"
			case b == FullBlock || b == UsageBlock:
				code = "account_blocked"
			case s != Active:
				code = "not_active"
			}
			t.Run(fmt.Sprintf("%s/%s", s, b), func(t *testing.T) {
				check(t, CanSend(s, b), problem.Forbidden, "", code)
			})
		}
	}
	wantProblem(t, CanSend(Active, Block("x")), problem.Forbidden, "", "account_blocked")
}

func TestCanReceive(t *testing.T) {
	t.Parallel()
	for _, s := range allStatuses {
		for _, b := range allBlocks {
			var code string
			kind := problem.Forbidden
			switch {
			case s == Closed:
				code = "closed_account"
			case b == FullBlock:
				code = "blocked_recipient"
			case s == Pending || s == AwaitingConfirmation:
				code, kind = "unknown_recipient", problem.NotFound
			}
			t.Run(fmt.Sprintf("%s/%s", s, b), func(t *testing.T) {
				check(t, CanReceive(s, b), kind, "", code)
			})
		}
	}
	wantProblem(t, CanReceive(Active, Block("x")), problem.Forbidden, "", "blocked_recipient")
}

func TestCheckTransition(t *testing.T) {
	t.Parallel()
	allowed := map[[2]Status]bool{
		{Pending, AwaitingConfirmation}:  true,
		{Pending, Verified}:              true,
		{Pending, Closed}:                true,
		{AwaitingConfirmation, Verified}: true,
		{AwaitingConfirmation, Pending}:  true,
		{AwaitingConfirmation, Closed}:   true,
		{Verified, Active}:               true,
		{Verified, Closed}:               true,
		{Active, Closed}:                 true,
	}
	for _, from := range allStatuses {
		for _, to := range allStatuses {
			err := CheckTransition(from, to)
			if allowed[[2]Status{from, to}] {
				if err != nil {
					t.Errorf("%s → %s: %v", from, to, err)
				}
				continue
			}
			if p := problem.As(err); p == nil || p.Kind != problem.Conflict || p.Code != "transition_not_allowed" || p.Field != "status" {
				t.Errorf("%s → %s: got %v, want conflict transition_not_allowed", from, to, err)
			}
		}
	}
	wantProblem(t, CheckTransition("zombie", Active), problem.Invalid, "status", "syntax")
	wantProblem(t, CheckTransition(Active, "zombie"), problem.Invalid, "status", "syntax")
}

func TestStatusBlockValid(t *testing.T) {
	t.Parallel()
	for _, s := range allStatuses {
		if !s.Valid() {
			t.Errorf("%q not valid", s)
		}
	}
	for _, b := range allBlocks {
		if !b.Valid() {
			t.Errorf("%q not valid", b)
		}
	}
	if Status("").Valid() || Status("Active").Valid() || Block("FULL").Valid() {
		t.Error("unknown value reported valid")
	}
}
