package auth

import (
	"context"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/problem"
	"github.com/siegel-mail/siegel/internal/store"
)

// PendingTOTP is the enrolment waiting for confirmation (EnrollTOTP), nil
// when none waits: a page shows it again after a reload or a wrong first
// code, instead of carrying the secret through the browser in a form. It
// keeps EnrollTOTP's rule: while a factor is enabled, only a session at high
// may see the secret that is to replace it.
func (s *Service) PendingTOTP(ctx context.Context, p *Principal) (*Enrollment, error) {
	var a *store.Account
	err := s.Store.View(ctx, func(tx store.Tx) (err error) {
		a, err = tx.AccountByID(p.Account.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	if a.SecondFactor() && p.Level() != account.High { // TOTP or a passkey (passkey.go)
		return nil, problem.New(problem.Forbidden, "", "login_level",
			"a second factor is already enrolled; replacing it needs a session at high")
	}
	if len(a.TOTPPending) == 0 {
		return nil, nil
	}
	secret, err := s.Sealer.Open(a.TOTPPending, a.ID)
	if err != nil {
		return nil, fmt.Errorf("account %s: open pending totp secret: %w", a.ID, err)
	}
	uri, err := totpURI(s.Issuer, a.Address, string(secret))
	if err != nil {
		return nil, fmt.Errorf("account %s: pending totp secret: %w", a.ID, err)
	}
	return &Enrollment{Secret: string(secret), URI: uri}, nil
}

// totpURI is the otpauth:// URI of a secret: what account.NewTOTPSecret
// gave when it made the secret, with the same issuer, account name and
// parameters (SHA-1, 6 digits, 30 s: account.VerifyTOTP's).
func totpURI(issuer, accountName, secret string) (string, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(strings.TrimRight(secret, "=")))
	if err != nil {
		return "", fmt.Errorf("totp secret is not base32: %w", err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: accountName, Period: account.TOTPPeriod,
		Secret: raw, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", err
	}
	return key.URL(), nil
}
