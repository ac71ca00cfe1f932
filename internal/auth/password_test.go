package auth_test

import (
	"crypto/rand"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/clock"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
	"github.com/siegel-mail/siegel/internal/store/sqlite"
)

// fixture is an auth service on a fresh SQLite store with one active
// account, whose password is oldPassword.
type fixture struct {
	svc   *auth.Service
	clock *clock.Fake
	acct  *store.Account
}

const (
	testAddress = "erika.mustermann@test.siegel.test"
	oldPassword = "correct horse battery"
	newPassword = "staple lantern meadow"
)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "s.db"), sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	master := make([]byte, 32)
	rand.Read(master)
	sealer, err := auth.NewSealer(master)
	if err != nil {
		t.Fatal(err)
	}
	dummy, err := account.HashPassword(account.TestArgon2(), "no such account", rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	clk := clock.NewFake(time.Date(2027, 3, 2, 9, 0, 0, 0, time.UTC))
	svc := &auth.Service{Store: st, Clock: clk, Sealer: sealer, Issuer: "Test Provider", Log: slog.New(slog.DiscardHandler),
		DummyHash: dummy, Lockout: account.DefaultLockout(), IdleTimeout: 30 * time.Minute, MaxAge: 12 * time.Hour}
	hash, err := account.HashPassword(account.TestArgon2(), oldPassword, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	a := &store.Account{ID: "acct-1", Address: testAddress, Kind: account.Person, DisplayName: "Erika Mustermann",
		Status: account.Active, PasswordHash: hash, CreatedAt: clk.Now(), ActivatedAt: clk.Now()}
	if err := st.Update(t.Context(), func(tx store.Tx) error { return tx.InsertAccount(a) }); err != nil {
		t.Fatal(err)
	}
	return &fixture{svc: svc, clock: clk, acct: a}
}

// login logs in at normal, or at high with the secret's current code.
func (f *fixture) login(t *testing.T, password, secret string) (string, *auth.Principal) {
	t.Helper()
	code := ""
	if secret != "" {
		f.clock.Advance(30 * time.Second) // each step's code counts once
		var err error
		if code, err = account.TOTPCode(secret, f.clock.Now()); err != nil {
			t.Fatal(err)
		}
	}
	tok, p, err := f.svc.Login(t.Context(), testAddress, password, code)
	if err != nil {
		t.Fatalf("login: %v", err)
	}
	return tok, p
}

// history is the account's history.
func (f *fixture) history(t *testing.T) []account.Entry {
	t.Helper()
	var h []account.Entry
	if err := f.svc.Store.View(t.Context(), func(tx store.Tx) (err error) {
		h, err = tx.History(f.acct.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return h
}

// account is the account as stored now.
func (f *fixture) account(t *testing.T) *store.Account {
	t.Helper()
	var a *store.Account
	if err := f.svc.Store.View(t.Context(), func(tx store.Tx) (err error) {
		a, err = tx.AccountByID(f.acct.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return a
}

// wantProblem fails t unless err is a problem with field and code.
func wantProblem(t *testing.T, what string, err error, field, code string) {
	t.Helper()
	pr := problem.As(err)
	if pr == nil {
		t.Fatalf("%s: error %v, want problem %s on %q", what, err, code, field)
	}
	if pr.Field != field || pr.Code != code {
		t.Errorf("%s: problem %s on %q (%v), want %s on %q", what, pr.Code, pr.Field, err, code, field)
	}
}

func TestChangePassword(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	tok, p := f.login(t, oldPassword, "")
	otherTok, _ := f.login(t, oldPassword, "")

	if err := f.svc.ChangePassword(t.Context(), p, oldPassword, newPassword, account.TestArgon2()); err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	if _, _, err := f.svc.Login(t.Context(), testAddress, oldPassword, ""); problem.As(err) == nil || problem.As(err).Code != "bad_credentials" {
		t.Errorf("login with the old password: %v, want bad_credentials", err)
	}
	if _, err := f.svc.Authenticate(t.Context(), otherTok); err == nil {
		t.Error("the other session still authenticates after the change")
	}
	if _, err := f.svc.Authenticate(t.Context(), tok); err != nil {
		t.Errorf("the session that changed the password: %v", err)
	}
	f.login(t, newPassword, "")

	h := f.history(t)
	last := h[len(h)-1]
	if last.Action != "password_changed" || last.Actor != account.ActorUser {
		t.Errorf("last history entry %s by %s, want password_changed by user", last.Action, last.Actor)
	}
	var detail map[string]any
	if err := json.Unmarshal([]byte(last.Detail), &detail); err != nil || detail["other_sessions_ended"] != 1.0 {
		t.Errorf("history detail %s, want other_sessions_ended 1", last.Detail)
	}
	for _, secret := range []string{oldPassword, newPassword} {
		if strings.Contains(last.Detail, secret) {
			t.Error("the history holds a password")
		}
	}
	if err := account.VerifyChain(h); err != nil {
		t.Errorf("history chain: %v", err)
	}
}

func TestChangePasswordRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	for _, tc := range []struct {
		name, current, next, field, code string
	}{
		{"no current", "", newPassword, auth.FieldCurrentPassword, "required"},
		{"no new", oldPassword, "", auth.FieldNewPassword, "required"},
		{"short", oldPassword, "kurz123", auth.FieldNewPassword, "weak"},
		{"common", oldPassword, "Password1234", auth.FieldNewPassword, "weak"},
		{"monotonous", oldPassword, "abcdefghijklmnop", auth.FieldNewPassword, "weak"},
		{"the address", oldPassword, strings.ToUpper(testAddress), auth.FieldNewPassword, "like_address"},
		{"the local part", oldPassword, " erika.mustermann ", auth.FieldNewPassword, "like_address"},
		{"the current one", oldPassword, oldPassword, auth.FieldNewPassword, "unchanged"},
		{"control character", oldPassword, "staple lantern\tmeadow", auth.FieldNewPassword, "syntax"},
	} {
		err := f.svc.ChangePassword(t.Context(), p, tc.current, tc.next, account.TestArgon2())
		wantProblem(t, tc.name, err, tc.field, tc.code)
	}
	// Nothing changed, nothing counted: the rules of the new password are
	// checked before the current one, and "the current one" was right.
	f.login(t, oldPassword, "")
	if got := f.account(t).Failures; got != 0 {
		t.Errorf("failures after refused changes: %d, want 0", got)
	}
}

// A wrong current password counts as a failed login: the third locks the
// login, and while it is locked even the right one is refused.
func TestChangePasswordWrongCurrentLocks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	for i := range 2 {
		err := f.svc.ChangePassword(t.Context(), p, "wrong password", newPassword, account.TestArgon2())
		wantProblem(t, "wrong current password", err, auth.FieldCurrentPassword, "wrong_password")
		if got := f.account(t).Failures; got != i+1 {
			t.Errorf("failures after %d wrong: %d", i+1, got)
		}
	}
	err := f.svc.ChangePassword(t.Context(), p, "wrong password", newPassword, account.TestArgon2())
	wantProblem(t, "third wrong current password", err, auth.FieldCurrentPassword, "locked")
	err = f.svc.ChangePassword(t.Context(), p, oldPassword, newPassword, account.TestArgon2())
	wantProblem(t, "right password while locked", err, auth.FieldCurrentPassword, "locked")
	if _, _, err := f.svc.Login(t.Context(), testAddress, oldPassword, ""); problem.As(err) == nil || problem.As(err).Code != "locked" {
		t.Errorf("login while locked: %v, want locked", err)
	}
	if h := f.history(t); h[len(h)-1].Action != "login_locked" {
		t.Errorf("last history entry %s, want login_locked", h[len(h)-1].Action)
	}

	// After the lock the change goes through and ends the run of failures.
	f.clock.Advance(2 * time.Minute)
	if err := f.svc.ChangePassword(t.Context(), p, oldPassword, newPassword, account.TestArgon2()); err != nil {
		t.Fatalf("ChangePassword after the lock: %v", err)
	}
	if a := f.account(t); a.Failures != 0 {
		t.Errorf("failures after the change: %d", a.Failures)
	}
}

// With a second factor, the change needs a session at high.
func TestChangePasswordNeedsHighWithSecondFactor(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	secret, _, err := account.NewTOTPSecret("Test Provider", testAddress)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.SetTOTPSecret(t.Context(), f.acct.ID, secret); err != nil {
		t.Fatal(err)
	}
	_, normal := f.login(t, oldPassword, "")
	err = f.svc.ChangePassword(t.Context(), normal, oldPassword, newPassword, account.TestArgon2())
	wantProblem(t, "change at normal", err, "", "login_level")
	_, high := f.login(t, oldPassword, secret)
	if err := f.svc.ChangePassword(t.Context(), high, oldPassword, newPassword, account.TestArgon2()); err != nil {
		t.Fatalf("change at high: %v", err)
	}
	f.login(t, newPassword, secret)
}

// A session revoked before the change may not go on to change anything.
func TestChangePasswordRevokedSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	if err := f.svc.Logout(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	err := f.svc.ChangePassword(t.Context(), p, oldPassword, newPassword, account.TestArgon2())
	wantProblem(t, "change from an ended session", err, "", "unauthenticated")
	f.login(t, oldPassword, "")
}

func TestCheckNewPassword(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		pw   string
		code string // "" when allowed
	}{
		{"staple lantern meadow", ""},
		{"Erika.Mustermann@test.siegel.test", "like_address"},
		{"erika.mustermann", "like_address"}, // long enough, but the local part
		{"erika.mustermann 1", ""},           // more than the local part
		{"elf zeichen", "weak"},
	} {
		err := auth.CheckNewPassword(testAddress, tc.pw)
		switch {
		case tc.code == "" && err != nil:
			t.Errorf("%q: %v, want allowed", tc.pw, err)
		case tc.code != "":
			pr := problem.As(err)
			if pr == nil || pr.Field != auth.FieldNewPassword {
				t.Errorf("%q: %v, want a problem on %s", tc.pw, err, auth.FieldNewPassword)
			} else if pr.Code != tc.code {
				t.Errorf("%q: %s, want %s", tc.pw, pr.Code, tc.code)
			}
		}
	}
}
