package auth_test

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/auth/passkeytest"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

var testRP = auth.PasskeyRP{ID: "mail.siegel.test", Origin: "https://mail.siegel.test"}

// wantCode fails t unless err is a problem with code.
func wantCode(t *testing.T, what string, err error, code string) {
	t.Helper()
	if pr := problem.As(err); pr == nil || pr.Code != code {
		t.Errorf("%s: %v, want the problem %q", what, err, code)
	}
}

// addPasskey runs a registration for p with a's answer.
func (f *fixture) addPasskey(t *testing.T, p *auth.Principal, a *passkeytest.Authenticator, name string) (*auth.PasskeyInfo, error) {
	t.Helper()
	c, err := f.svc.BeginPasskeyRegistration(t.Context(), p, testRP)
	if err != nil {
		return nil, err
	}
	resp, err := a.Create(c.Options)
	if err != nil {
		t.Fatalf("the authenticator's create: %v", err)
	}
	return f.svc.AddPasskey(t.Context(), p, testRP, c.State, resp, name)
}

// stepUpPasskey runs a step-up for p with a's answer.
func (f *fixture) stepUpPasskey(t *testing.T, p *auth.Principal, a *passkeytest.Authenticator) error {
	t.Helper()
	c, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if err != nil {
		return err
	}
	resp, err := a.Get(c.Options)
	if err != nil {
		t.Fatalf("the authenticator's get: %v", err)
	}
	return f.svc.StepUpPasskey(t.Context(), p, testRP, c.State, resp)
}

func (f *fixture) passkeys(t *testing.T) []store.Passkey {
	t.Helper()
	var keys []store.Passkey
	if err := f.svc.Store.View(t.Context(), func(tx store.Tx) (err error) {
		keys, err = tx.AccountPasskeys(f.acct.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return keys
}

func hasAction(h []account.Entry, action string) bool {
	for _, e := range h {
		if e.Action == action {
			return true
		}
	}
	return false
}

// TestPasskeyLifecycle: the first passkey is added at normal; it then is a
// second factor (a further one, TOTP or a password change need high); a
// session at normal steps up with it to high, recording pickups as a code
// does; a second passkey is added at high; one is removed at high only.
func TestPasskeyLifecycle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pickups := 0
	f.svc.OnHighLogin = func(tx store.Tx, accountID string, now time.Time) error {
		if accountID == f.acct.ID {
			pickups++
		}
		return nil
	}
	_, p := f.login(t, oldPassword, "")
	laptop := passkeytest.New(testRP.Origin)
	info, err := f.addPasskey(t, p, laptop, "  Laptop  ")
	if err != nil {
		t.Fatalf("the first passkey at normal: %v", err)
	}
	if info.Name != "Laptop" || info.RPID != testRP.ID || info.CreatedAt.IsZero() || !info.LastUsed.IsZero() {
		t.Errorf("the passkey: %+v", info)
	}
	keys := f.passkeys(t)
	if len(keys) != 1 || string(keys[0].ID) != string(laptop.ID) || keys[0].SignCount != 0 ||
		len(keys[0].Transports) != 1 || keys[0].Transports[0] != "internal" || string(keys[0].AAGUID) != string(laptop.AAGUID) {
		t.Fatalf("stored: %+v", keys)
	}
	if !hasAction(f.history(t), "passkey_added") {
		t.Error("no passkey_added in the history")
	}

	// Now the account has a second factor.
	tok, p := f.login(t, oldPassword, "")
	if !p.Account.SecondFactor() || p.Account.Passkeys != 1 {
		t.Fatalf("after adding a passkey: SecondFactor %v, Passkeys %d", p.Account.SecondFactor(), p.Account.Passkeys)
	}
	_, err = f.addPasskey(t, p, passkeytest.New(testRP.Origin), "")
	wantCode(t, "a second passkey at normal", err, "login_level")
	_, err = f.svc.EnrollTOTP(t.Context(), p)
	wantCode(t, "TOTP at normal beside a passkey", err, "login_level")
	err = f.svc.ChangePassword(t.Context(), p, oldPassword, newPassword, account.TestArgon2())
	wantCode(t, "a password change at normal beside a passkey", err, "login_level")
	wantCode(t, "removing at normal", f.svc.RemovePasskey(t.Context(), p, info.ID), "login_level")

	// The step-up.
	if err := f.stepUpPasskey(t, p, laptop); err != nil {
		t.Fatalf("step-up with the passkey: %v", err)
	}
	if p.Level() != account.High || pickups != 1 {
		t.Errorf("after the step-up: level %s, %d pickup recordings", p.Level(), pickups)
	}
	again, err := f.svc.Authenticate(t.Context(), tok)
	if err != nil || again.Level() != account.High {
		t.Fatalf("the session after the step-up: %v, %v", again, err)
	}
	keys = f.passkeys(t)
	if keys[0].SignCount != 1 || !keys[0].LastUsed.Equal(f.clock.Now()) {
		t.Errorf("after its use: count %d, last used %s", keys[0].SignCount, keys[0].LastUsed)
	}
	if err := f.stepUpPasskey(t, again, laptop); err == nil {
		t.Error("a second step-up of a high session began")
	}

	// At high: a second passkey, and removing one.
	phone := passkeytest.New(testRP.Origin)
	phone.NoCounter = true
	f.clock.Advance(time.Minute)
	if _, err := f.addPasskey(t, again, phone, "Telefon"); err != nil {
		t.Fatalf("a second passkey at high: %v", err)
	}
	// The laptop's is excluded: the authenticator holds one already.
	c, err := f.svc.BeginPasskeyRegistration(t.Context(), again, testRP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := laptop.Create(c.Options); err == nil {
		t.Error("the registration options do not exclude the passkey the authenticator holds")
	}
	list, err := f.svc.Passkeys(t.Context(), again)
	if err != nil || len(list) != 2 || list[0].Name != "Laptop" || list[1].Name != "Telefon" {
		t.Fatalf("Passkeys = %+v, %v", list, err)
	}
	if err := f.svc.RemovePasskey(t.Context(), again, list[0].ID); err != nil {
		t.Fatalf("removing at high: %v", err)
	}
	wantCode(t, "removing again", f.svc.RemovePasskey(t.Context(), again, list[0].ID), "passkey_gone")
	wantCode(t, "removing nonsense", f.svc.RemovePasskey(t.Context(), again, "!!"), "passkey_gone")
	if !hasAction(f.history(t), "passkey_removed") {
		t.Error("no passkey_removed in the history")
	}
	// The phone counts nothing, and steps up again and again.
	for range 2 {
		_, p := f.login(t, oldPassword, "")
		if err := f.stepUpPasskey(t, p, phone); err != nil || p.Level() != account.High {
			t.Fatalf("step-up with a passkey without a counter: %v", err)
		}
	}
	// The removed one no longer steps up.
	_, p = f.login(t, oldPassword, "")
	c, err = f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := laptop.Get(c.Options); err == nil {
		t.Error("the removed passkey is still allowed")
	}
}

// TestPasskeyWrongAnswersLock: answers that do not verify count as wrong
// codes do: the third locks the login, and a locked login gets no
// challenge.
func TestPasskeyWrongAnswersLock(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	a := passkeytest.New(testRP.Origin)
	if _, err := f.addPasskey(t, p, a, "Schlüssel"); err != nil {
		t.Fatal(err)
	}
	_, p = f.login(t, oldPassword, "")
	wrong := []struct {
		name   string
		answer func(opts []byte) []byte
	}{
		{"another origin", func(opts []byte) []byte {
			a.Origin = "https://mail.siegel.test.evil.example"
			defer func() { a.Origin = testRP.Origin }()
			r, _ := a.Get(opts)
			return r
		}},
		{"no user verification", func(opts []byte) []byte {
			a.UV = false
			defer func() { a.UV = true }()
			r, _ := a.Get(opts)
			return r
		}},
		{"a forged signature", func(opts []byte) []byte {
			r, _ := a.Get(opts)
			var m map[string]any
			json.Unmarshal(r, &m)
			m["response"].(map[string]any)["signature"] = "MEUCIQDx"
			r, _ = json.Marshal(m)
			return r
		}},
	}
	for i, w := range wrong {
		c, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
		if err != nil {
			t.Fatalf("%s: begin: %v", w.name, err)
		}
		err = f.svc.StepUpPasskey(t.Context(), p, testRP, c.State, w.answer(c.Options))
		want := "bad_passkey"
		if i == len(wrong)-1 {
			want = "locked"
		}
		if pr := problem.As(err); pr == nil || (pr.Code != want && !(want == "locked" && pr.Kind == problem.Locked)) {
			t.Errorf("%s: %v, want %s", w.name, err, want)
		}
		if p.Level() != account.Normal {
			t.Fatalf("%s raised the session", w.name)
		}
	}
	_, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if pr := problem.As(err); pr == nil || pr.Kind != problem.Locked {
		t.Errorf("a locked login got a challenge: %v", err)
	}
}

// TestPasskeyClone: an authenticator whose counter does not grow is taken
// for a copy and refused, and that counts as a failure.
func TestPasskeyClone(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	a := passkeytest.New(testRP.Origin)
	a.Counter = 10
	if _, err := f.addPasskey(t, p, a, ""); err != nil {
		t.Fatal(err)
	}
	if keys := f.passkeys(t); keys[0].Name != "Passkey 1" || keys[0].SignCount != 10 {
		t.Errorf("a passkey without a name: %+v", keys[0])
	}
	_, p = f.login(t, oldPassword, "")
	c, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if err != nil {
		t.Fatal(err)
	}
	ch, _ := passkeytest.Challenge(c.Options)
	answer, err := a.Assert(ch, 10) // not more than stored
	if err != nil {
		t.Fatal(err)
	}
	wantCode(t, "a counter that did not grow", f.svc.StepUpPasskey(t.Context(), p, testRP, c.State, answer), "cloned_passkey")
	if acc := f.account(t); acc.Failures != 1 {
		t.Errorf("the refused clone counted %d failures, want 1", acc.Failures)
	}
	if p.Level() != account.Normal {
		t.Fatal("a cloned passkey raised the session")
	}
	// The next count works.
	if err := f.stepUpPasskey(t, p, a); err != nil {
		t.Fatalf("the genuine authenticator after the refusal: %v", err)
	}
	if acc := f.account(t); acc.Failures != 0 {
		t.Errorf("after the step-up, %d failures are left", acc.Failures)
	}
}

// TestPasskeyCeremonyBinding: a ceremony's state serves its own session,
// kind and site, and only for PasskeyTimeout.
func TestPasskeyCeremonyBinding(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	a := passkeytest.New(testRP.Origin)
	if _, err := f.addPasskey(t, p, a, ""); err != nil {
		t.Fatal(err)
	}
	_, p = f.login(t, oldPassword, "")
	_, other := f.login(t, oldPassword, "")
	reg, err := f.svc.BeginPasskeyRegistration(t.Context(), p, testRP)
	wantCode(t, "a registration at normal beside a passkey", err, "login_level")
	if reg != nil {
		t.Fatal("options without the right")
	}
	c, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if err != nil {
		t.Fatal(err)
	}
	answer, err := a.Get(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	otherRP := auth.PasskeyRP{ID: "other.siegel.test", Origin: "https://other.siegel.test"}
	for _, try := range []struct {
		name  string
		p     *auth.Principal
		rp    auth.PasskeyRP
		state []byte
	}{
		{"another session", other, testRP, c.State},
		{"another site", p, otherRP, c.State},
		{"a changed state", p, testRP, append(append([]byte{}, c.State[:len(c.State)-1]...), c.State[len(c.State)-1]^1)},
	} {
		wantCode(t, try.name, f.svc.StepUpPasskey(t.Context(), try.p, try.rp, try.state, answer), "passkey_expired")
	}
	if _, err := f.svc.AddPasskey(t.Context(), p, testRP, c.State, answer, ""); err == nil {
		t.Error("a step-up's state finished a registration")
	}
	f.clock.Advance(auth.PasskeyTimeout + time.Second)
	wantCode(t, "an expired state", f.svc.StepUpPasskey(t.Context(), p, testRP, c.State, answer), "passkey_expired")
	if acc := f.account(t); acc.Failures != 0 {
		t.Errorf("stale states counted %d failures; they are no wrong factor", acc.Failures)
	}
	// A host that is an IP address can have no passkeys.
	_, err = f.svc.BeginPasskeyStepUp(t.Context(), p, auth.PasskeyRP{ID: "127.0.0.1", Origin: "https://127.0.0.1:8443"})
	wantCode(t, "an IP address as the RP ID", err, "passkey_unavailable")
	// Passkeys of another site are not offered here.
	_, err = f.svc.BeginPasskeyStepUp(t.Context(), p, otherRP)
	wantCode(t, "a site without the account's passkeys", err, "no_passkey")
}

// TestPasskeyName: a name is trimmed and bounded.
func TestPasskeyName(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	for _, name := range []string{strings.Repeat("x", 61), "a\x00b", "zeile\numbruch"} {
		_, err := f.svc.AddPasskey(t.Context(), p, testRP, nil, nil, name)
		if pr := problem.As(err); pr == nil || pr.Field != "name" {
			t.Errorf("name %q: %v, want a problem with the name", name, err)
		}
	}
}

// TestPasskeyStateSize: a step-up's sealed state, with the most passkeys
// an account may have and long credential ids, fits a cookie (the web
// pages keep it in one; browsers keep 4096 bytes a cookie).
func TestPasskeyStateSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, p := f.login(t, oldPassword, "")
	var first *passkeytest.Authenticator
	for i := range auth.MaxPasskeys {
		a := passkeytest.New(testRP.Origin)
		a.ID = make([]byte, 128)
		a.ID[0], a.ID[1] = byte(i), 0xff
		if _, err := f.addPasskey(t, p, a, strings.Repeat("n", 60)); err != nil {
			t.Fatalf("passkey %d: %v", i, err)
		}
		if i == 0 {
			first = a
			if err := f.stepUpPasskey(t, p, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, err := f.addPasskey(t, p, passkeytest.New(testRP.Origin), "")
	wantCode(t, "one passkey too many", err, "passkey_limit")
	_, p = f.login(t, oldPassword, "")
	c, err := f.svc.BeginPasskeyStepUp(t.Context(), p, testRP)
	if err != nil {
		t.Fatal(err)
	}
	if n := base64.RawURLEncoding.EncodedLen(len(c.State)) + len("siegel_passkey_stepup="); n > 3800 {
		t.Errorf("the state of a step-up with %d passkeys takes %d bytes in a cookie", auth.MaxPasskeys, n)
	}
	resp, err := first.Get(c.Options)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.StepUpPasskey(t.Context(), p, testRP, c.State, resp); err != nil {
		t.Fatal(err)
	}
}
