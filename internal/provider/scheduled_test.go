package provider_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api/client"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

// TestScheduledSessionCleanup: the scheduled cleanup removes the sessions
// that have ended and keeps the live ones. A token of an ended session is
// refused before (session_expired) and after (unauthenticated, its row gone).
func TestScheduledSessionCleanup(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	u := e.Open(pt.PersonApp("Sabine", "Sitzung"), false)
	old := u.C
	e.Clock.Advance(e.P.Config.Login.SessionIdle.Duration + time.Minute)
	s, err := e.Public.Login(ctx, u.Address, u.Password, "")
	if err != nil {
		t.Fatal(err)
	}
	fresh := e.Public.With(s.Token)
	code := func(c *client.Client) string {
		_, err := c.Session(ctx)
		var ce *client.Error
		if !errors.As(err, &ce) {
			return "ok"
		}
		return ce.Code
	}
	if got := code(old); got != "session_expired" {
		t.Fatalf("idle session before the cleanup: %s, want session_expired", got)
	}
	ran, err := e.P.RunScheduled(ctx)
	if err != nil || !slices.Contains(ran, "session-cleanup") {
		t.Fatalf("RunScheduled ran %v, %v; want session-cleanup", ran, err)
	}
	if got := code(old); got != "unauthenticated" {
		t.Errorf("idle session after the cleanup: %s, want unauthenticated (row removed)", got)
	}
	if got := code(fresh); got != "ok" {
		t.Errorf("live session after the cleanup: %s", got)
	}
}
