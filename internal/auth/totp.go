package auth

import (
	"context"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/registration"
	"github.com/siegel-mail/siegel/internal/store"
)

// Enrollment is a TOTP secret offered to the user, to be confirmed with a code.
type Enrollment struct {
	Secret string
	URI    string // otpauth:// for a QR code
}

// EnrollTOTP creates a new secret for the account. It waits beside the enabled
// one (which keeps working) until ConfirmTOTP proves the user's authenticator
// produces its codes. Replacing an enabled factor needs a high session, so a
// stolen password cannot swap it.
func (s *Service) EnrollTOTP(ctx context.Context, p *Principal) (*Enrollment, error) {
	if p.Account.SecondFactor() && p.Level() != account.High { // TOTP or a passkey (passkey.go)
		return nil, problem.New(problem.Forbidden, "", "login_level",
			"a second factor is already enrolled; replacing it needs a session at high")
	}
	secret, uri, err := account.NewTOTPSecret(s.Issuer, p.Account.Address)
	if err != nil {
		return nil, err
	}
	sealed, err := s.Sealer.Seal([]byte(secret), p.Account.ID)
	if err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	err = s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(p.Account.ID)
		if err != nil {
			return err
		}
		a.TOTPPending = sealed
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return registration.Record(tx, now, a.ID, "totp_enrolment_started", "user", nil)
	})
	if err != nil {
		return nil, err
	}
	return &Enrollment{Secret: secret, URI: uri}, nil
}

// ConfirmTOTP enables the pending secret when code matches it. Replacing an
// enabled factor needs a high session here too: else a session at normal
// could try codes against a replacement its holder started at high.
func (s *Service) ConfirmTOTP(ctx context.Context, p *Principal, code string) error {
	now := s.Clock.Now()
	return s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(p.Account.ID)
		if err != nil {
			return err
		}
		if a.SecondFactor() && p.Level() != account.High { // TOTP or a passkey (passkey.go)
			return problem.New(problem.Forbidden, "", "login_level",
				"a second factor is already enrolled; replacing it needs a session at high")
		}
		if len(a.TOTPPending) == 0 {
			return problem.New(problem.Conflict, "totp_code", "no_enrolment", "no second-factor enrolment is waiting for confirmation")
		}
		secret, err := s.Sealer.Open(a.TOTPPending, a.ID)
		if err != nil {
			return err
		}
		// A fresh secret has no used steps yet.
		step, err := account.VerifyTOTP(string(secret), code, now, 0)
		if err != nil {
			return err
		}
		a.TOTPSecret, a.TOTPPending, a.TOTPEnabled, a.TOTPLastStep = a.TOTPPending, nil, true, step
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return registration.Record(tx, now, a.ID, "totp_enabled", "user", nil)
	})
}

// SetTOTPSecret enables a known secret directly: for seeding demo accounts,
// whose secrets are printed for the newcomer.
func (s *Service) SetTOTPSecret(ctx context.Context, accountID, secret string) error {
	sealed, err := s.Sealer.Seal([]byte(secret), accountID)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.Store.Update(ctx, func(tx store.Tx) error {
		a, err := tx.AccountByID(accountID)
		if err != nil {
			return err
		}
		a.TOTPSecret, a.TOTPEnabled, a.TOTPLastStep = sealed, true, 0
		if err := tx.UpdateAccount(a); err != nil {
			return err
		}
		return registration.Record(tx, now, a.ID, "totp_enabled", "system", map[string]any{"seeded": true})
	})
}
