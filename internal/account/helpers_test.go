package account

import (
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

// wantOK fails the test when err is not nil.
func wantOK(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantProblem fails the test unless err is a problem of kind k naming field
// and code. k == 0 skips the kind check.
func wantProblem(t *testing.T, err error, k problem.Kind, field, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s/%s", field, code)
	}
	p := problem.As(err)
	if p == nil {
		t.Fatalf("error %v is not a problem, want %s/%s", err, field, code)
	}
	if p.Field != field || p.Code != code {
		t.Fatalf("got %s/%s (%q), want %s/%s", p.Field, p.Code, p.Message, field, code)
	}
	if k != 0 && p.Kind != k {
		t.Fatalf("got kind %d, want %d (%s/%s)", p.Kind, k, field, code)
	}
	if p.Message == "" {
		t.Fatalf("problem %s/%s has no message", field, code)
	}
}

// check runs wantOK when code is "", else wantProblem.
func check(t *testing.T, err error, k problem.Kind, field, code string) {
	t.Helper()
	if code == "" {
		wantOK(t, err)
		return
	}
	wantProblem(t, err, k, field, code)
}
