package auth_test

import (
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

func TestSessionsListAndRevoke(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.login(t, oldPassword, "")
	f.clock.Advance(31 * time.Minute) // past the idle timeout: ended, not yet cleaned up
	tokA, a := f.login(t, oldPassword, "")
	f.clock.Advance(time.Minute)
	tokB, _ := f.login(t, oldPassword, "")
	f.clock.Advance(time.Minute)
	tokC, _ := f.login(t, oldPassword, "")

	list, err := f.svc.Sessions(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	// a's own first, then the others newest first; the idle one is left out.
	want := []string{tokA, tokC, tokB}
	if len(list) != len(want) {
		t.Fatalf("Sessions listed %d, want %d: %+v", len(list), len(want), list)
	}
	ids := map[string]bool{}
	for i, s := range list {
		if s.ID != auth.SessionID(registration.HashToken(want[i])) {
			t.Errorf("session %d is not the one expected", i)
		}
		if s.Current != (i == 0) {
			t.Errorf("session %d: Current %v", i, s.Current)
		}
		if ids[s.ID] || len(s.ID) != 22 {
			t.Errorf("session id %q: repeated or not 128 bits of base64url", s.ID)
		}
		ids[s.ID] = true
		if strings.Contains(s.ID, registration.HashToken(want[i])) || strings.Contains(s.ID, want[i]) {
			t.Error("the session id shows the token or its hash")
		}
		if s.Level != account.Normal || s.CreatedAt.IsZero() || s.ExpiresAt.IsZero() {
			t.Errorf("session %d: %+v", i, s)
		}
	}

	// Revoking another session ends it and only it.
	current, err := f.svc.RevokeSession(t.Context(), a, list[2].ID)
	if err != nil || current {
		t.Fatalf("RevokeSession(B) = %v, %v; want false, nil", current, err)
	}
	if _, err := f.svc.Authenticate(t.Context(), tokB); err == nil {
		t.Error("the revoked session still authenticates")
	}
	for _, tok := range []string{tokA, tokC} {
		if _, err := f.svc.Authenticate(t.Context(), tok); err != nil {
			t.Errorf("a session not revoked: %v", err)
		}
	}
	// Again, or an id that is no session of this account: not found.
	for _, id := range []string{list[2].ID, "not-a-session", auth.SessionID("some other hash")} {
		_, err := f.svc.RevokeSession(t.Context(), a, id)
		if pr := problem.As(err); pr == nil || pr.Kind != problem.NotFound {
			t.Errorf("RevokeSession(%q): %v, want NotFound", id, err)
		}
	}

	// Ending every other session, the idle one included.
	n, err := f.svc.RevokeOtherSessions(t.Context(), a)
	if err != nil || n != 2 {
		t.Errorf("RevokeOtherSessions = %d, %v; want 2 (C and the idle one)", n, err)
	}
	var left []store.Session
	if err := f.svc.Store.View(t.Context(), func(tx store.Tx) (err error) {
		left, err = tx.AccountSessions(f.acct.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].TokenHash != registration.HashToken(tokA) {
		t.Errorf("sessions left: %+v, want only A", left)
	}

	// Revoking one's own session logs out.
	current, err = f.svc.RevokeSession(t.Context(), a, list[0].ID)
	if err != nil || !current {
		t.Fatalf("RevokeSession(own) = %v, %v; want true, nil", current, err)
	}
	if _, err := f.svc.Authenticate(t.Context(), tokA); err == nil {
		t.Error("the own session still authenticates after revoking it")
	}
	if _, err := f.svc.RevokeOtherSessions(t.Context(), a); err == nil {
		t.Error("an ended session ended others")
	}
}

// A session of another account cannot be revoked by its id.
func TestRevokeSessionOfAnotherAccount(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok, p := f.login(t, oldPassword, "")
	other := &store.Session{TokenHash: registration.HashToken("sgl_other"), AccountID: "acct-2", Level: account.Normal,
		CreatedAt: f.clock.Now(), LastSeen: f.clock.Now(), ExpiresAt: f.clock.Now().Add(time.Hour)}
	err := f.svc.Store.Update(t.Context(), func(tx store.Tx) error {
		if err := tx.InsertAccount(&store.Account{ID: "acct-2", Address: "max.muster@test.siegel.test",
			Kind: account.Person, Status: account.Active, CreatedAt: f.clock.Now()}); err != nil {
			return err
		}
		return tx.InsertSession(other)
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.RevokeSession(t.Context(), p, auth.SessionID(other.TokenHash))
	if pr := problem.As(err); pr == nil || pr.Kind != problem.NotFound {
		t.Errorf("revoking another account's session: %v, want NotFound", err)
	}
	if _, err := f.svc.RevokeOtherSessions(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var still *store.Session
	if err := f.svc.Store.View(t.Context(), func(tx store.Tx) (err error) {
		still, err = tx.SessionByTokenHash(other.TokenHash)
		return err
	}); err != nil || still == nil {
		t.Errorf("the other account's session after RevokeOtherSessions: %v", err)
	}
	if _, err := f.svc.Authenticate(t.Context(), tok); err != nil {
		t.Errorf("own session: %v", err)
	}
}

func TestPendingTOTP(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	if en, err := f.svc.PendingTOTP(t.Context(), p); err != nil || en != nil {
		t.Fatalf("PendingTOTP before enrolling = %v, %v; want nil, nil", en, err)
	}
	en, err := f.svc.EnrollTOTP(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.PendingTOTP(t.Context(), p)
	if err != nil || got == nil {
		t.Fatalf("PendingTOTP after enrolling = %v, %v", got, err)
	}
	if got.Secret != en.Secret || got.URI != en.URI {
		t.Errorf("PendingTOTP = %+v, want what EnrollTOTP gave: %+v", got, en)
	}
	code, err := account.TOTPCode(en.Secret, f.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.ConfirmTOTP(t.Context(), p, code); err != nil {
		t.Fatal(err)
	}
	// Enabled now: p is the normal session that enrolled it.
	if _, err := f.svc.PendingTOTP(t.Context(), p); problem.As(err) == nil || problem.As(err).Code != "login_level" {
		t.Errorf("PendingTOTP at normal with a factor enabled: %v, want login_level", err)
	}
	_, high := f.login(t, oldPassword, en.Secret)
	if en, err := f.svc.PendingTOTP(t.Context(), high); err != nil || en != nil {
		t.Errorf("PendingTOTP after confirming = %v, %v; want nil, nil", en, err)
	}
	// A replacement, started at high, is shown at high only.
	next, err := f.svc.EnrollTOTP(t.Context(), high)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.PendingTOTP(t.Context(), high); err != nil || got == nil || got.Secret != next.Secret {
		t.Errorf("PendingTOTP of the replacement = %v, %v", got, err)
	}
}
