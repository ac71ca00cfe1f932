package api_test

import (
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/api"
	pt "github.com/siegel-mail/siegel/internal/provider/providertest"
)

func TestLoginLevelsAndStepUp(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	u := e.Open(pt.PersonApp("Lena", "Lauf"), false)
	// No second factor yet: high is impossible.
	_, err := e.Public.Login(ctx, u.Address, u.Password, "123456")
	wantErr(t, err, 403, "no_second_factor", "totp_code")
	_, err = u.C.StepUp(ctx, "123456")
	wantErr(t, err, 403, "no_second_factor", "totp_code")

	en := must[*api.TOTPEnrollment](t)(u.C.EnrollTOTP(ctx))
	if en.Secret == "" || en.URI == "" {
		t.Fatalf("enrolment %+v", en)
	}
	_, err = u.C.ConfirmTOTP(ctx, "000000")
	wantErr(t, err, 401, "invalid_code", "totp_code")
	acc := must[*api.Account](t)(u.C.ConfirmTOTP(ctx, e.Code(en.Secret)))
	if !acc.TOTPEnabled {
		t.Fatal("totp not enabled")
	}
	// Replacing an enabled factor needs high.
	_, err = u.C.EnrollTOTP(ctx)
	wantErr(t, err, 403, "login_level", "")

	s := must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, e.Code(en.Secret)))
	if s.Level != "high" {
		t.Fatalf("level %s", s.Level)
	}
	// A code is one-time data: the same code again is refused.
	code := e.Code(en.Secret)
	must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, code))
	_, err = e.Public.Login(ctx, u.Address, u.Password, code)
	wantErr(t, err, 401, "invalid_code", "totp_code")

	// Step-up of the normal session.
	cur := must[*api.Session](t)(u.C.Session(ctx))
	if cur.Level != "normal" {
		t.Fatalf("level %s", cur.Level)
	}
	up := must[*api.Session](t)(u.C.StepUp(ctx, e.Code(en.Secret)))
	if up.Level != "high" {
		t.Fatalf("after step-up %s", up.Level)
	}
	if cur := must[*api.Session](t)(u.C.Session(ctx)); cur.Level != "high" {
		t.Fatalf("session after step-up %s", cur.Level)
	}
	// Re-enrolment at high: the old factor works until the new one is confirmed.
	en2 := must[*api.TOTPEnrollment](t)(u.C.EnrollTOTP(ctx))
	must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, e.Code(en.Secret)))
	// A session at normal cannot confirm the replacement: it could try
	// codes against it.
	normal := e.Public.With(must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, "")).Token)
	_, err = normal.ConfirmTOTP(ctx, e.Code(en2.Secret))
	wantErr(t, err, 403, "login_level", "")
	must[*api.Account](t)(u.C.ConfirmTOTP(ctx, e.Code(en2.Secret)))
	_, err = e.Public.Login(ctx, u.Address, u.Password, e.Code(en.Secret))
	wantErr(t, err, 401, "invalid_code", "totp_code")
	must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, e.Code(en2.Secret)))
	_, err = u.C.ConfirmTOTP(ctx, e.Code(en2.Secret))
	wantErr(t, err, 409, "no_enrolment", "totp_code")

	// Logout ends the session.
	if err := u.C.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	_, err = u.C.Session(ctx)
	wantErr(t, err, 401, "unauthenticated", "")
}

func TestLockoutGrows(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	ctx := t.Context()
	u := e.Open(pt.PersonApp("Lutz", "Lock"), true)
	wrong := func() error {
		_, err := e.Public.Login(ctx, u.Address, "wrong-password-123", "")
		return err
	}
	wantErr(t, wrong(), 401, "bad_credentials", "password")
	wantErr(t, wrong(), 401, "bad_credentials", "password")
	// The third wrong password locks (SPEC: after at most 3 attempts).
	wantErr(t, wrong(), 423, "locked", "")
	// Locked: even the right password is refused.
	_, err := e.Public.Login(ctx, u.Address, u.Password, "")
	wantErr(t, err, 423, "locked", "")
	e.Clock.Advance(61 * time.Second)
	must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, ""))
	// Three more failures lock longer: a minute is no longer enough.
	wantErr(t, wrong(), 401, "bad_credentials", "password")
	wantErr(t, wrong(), 401, "bad_credentials", "password")
	wantErr(t, wrong(), 423, "locked", "")
	e.Clock.Advance(61 * time.Second)
	_, err = e.Public.Login(ctx, u.Address, u.Password, "")
	wantErr(t, err, 423, "locked", "")
	e.Clock.Advance(4 * time.Minute)
	must[*api.Session](t)(e.Public.Login(ctx, u.Address, u.Password, ""))
	// Wrong codes count too.
	for i := 0; i < 2; i++ {
		_, err = e.Public.Login(ctx, u.Address, u.Password, "000000")
		wantErr(t, err, 401, "invalid_code", "totp_code")
	}
	_, err = e.Public.Login(ctx, u.Address, u.Password, "000000")
	wantErr(t, err, 423, "locked", "")
	d := must[*api.AccountDetail](t)(e.Officer1.Account(ctx, u.ID))
	locks := 0
	for _, h := range d.History {
		if h.Action == "login_locked" {
			locks++
		}
	}
	if locks != 3 || !d.HistoryIntact {
		t.Fatalf("history has %d locks (want 3), intact %v", locks, d.HistoryIntact)
	}
}

func TestUnknownAddressLooksLikeWrongPassword(t *testing.T) {
	t.Parallel()
	e := pt.New(t)
	_, err := e.Public.Login(t.Context(), "nobody@"+pt.Domain, "some-password-1", "")
	wantErr(t, err, 401, "bad_credentials", "password")
	_, err = e.Public.Login(t.Context(), "not an address", "some-password-1", "")
	wantErr(t, err, 400, "syntax", "address")
}
