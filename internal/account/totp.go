package account

import (
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"

	"github.com/siegel-mail/siegel/internal/problem"
)

// The one-time second factor for level high: TOTP (RFC 6238) with HMAC-SHA1,
// 6 digits and 30-second steps, what every authenticator app understands.
// Together with the password it gives two independent factors, knowledge
// and possession, and each code is accepted once (DMG §4(1) sentence 2;
// TR ACM-FU §3.1: "Einmaligkeit der zur Authentisierung eingesetzten Daten").
const (
	TOTPPeriod = 30 // seconds per step
	TOTPDigits = 6
	// TOTPSkew is how many steps either side of the current one are accepted,
	// for clocks that drift.
	TOTPSkew = 1
	// totpSecretSize is the secret length in bytes, 160 bits as RFC 4226 §4
	// recommends; secrets shorter than 128 bits (its minimum) are refused.
	totpSecretSize    = 20
	minTOTPSecretSize = 16
	// maxTOTPSecretLen bounds the base32 text of a secret.
	maxTOTPSecretLen = 256
)

// ErrBadTOTPSecret is wrapped by the error for a stored secret that is not
// base32 of at least 128 bits. It is the provider's fault, never the user's.
var ErrBadTOTPSecret = errors.New("bad TOTP secret")

// NewTOTPSecret makes a random 160-bit secret for an account's authenticator
// and returns it in base32 (for manual entry) with the otpauth:// URI to show
// as a QR code. The randomness comes from crypto/rand.
func NewTOTPSecret(issuer, accountName string) (secret string, uri string, err error) {
	if strings.TrimSpace(issuer) == "" {
		return "", "", problem.Field("issuer", "required", "The TOTP issuer is required.")
	}
	if strings.TrimSpace(accountName) == "" {
		return "", "", problem.Field("account_name", "required", "The TOTP account name is required.")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: accountName,
		Period:      TOTPPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("totp secret: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPStep is the number of the 30-second step that t falls in.
func TOTPStep(t time.Time) int64 {
	u := t.Unix()
	s := u / TOTPPeriod
	if u < 0 && u%TOTPPeriod != 0 {
		s-- // floor, not truncation, before 1970
	}
	return s
}

// TOTPCode returns the code of secret for the step that t falls in. It is
// for tests and the demo; logins use VerifyTOTP.
func TOTPCode(secret string, t time.Time) (string, error) {
	if err := checkTOTPSecret(secret); err != nil {
		return "", err
	}
	step := TOTPStep(t)
	if step < 0 {
		return "", fmt.Errorf("totp: time %s before 1970", t.UTC().Format(time.RFC3339))
	}
	return totpCodeAt(secret, step)
}

// totpCodeAt computes the code of a checked secret for one step.
func totpCodeAt(secret string, step int64) (string, error) {
	code, err := hotp.GenerateCodeCustom(secret, uint64(step), hotp.ValidateOpts{
		Digits:    otp.DigitsSix,
		Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadTOTPSecret, err)
	}
	return code, nil
}

// checkTOTPSecret decodes the secret the way pquerna/otp does (spaces
// trimmed, case ignored, padding optional) and requires at least 128 bits.
func checkTOTPSecret(secret string) error {
	s := strings.TrimSpace(secret)
	if len(s) > maxTOTPSecretLen {
		return fmt.Errorf("%w: too long", ErrBadTOTPSecret)
	}
	s = strings.ToUpper(strings.TrimRight(s, "="))
	b, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(s)
	if err != nil {
		return fmt.Errorf("%w: not base32", ErrBadTOTPSecret)
	}
	if len(b) < minTOTPSecretSize {
		return fmt.Errorf("%w: %d bits, need at least %d", ErrBadTOTPSecret, 8*len(b), 8*minTOTPSecretSize)
	}
	return nil
}

// VerifyTOTP checks a code typed by the user at time t. It accepts the code
// of t's step or of one step either side (clock skew), but never of a step
// at or before lastStep: each code is used once (one-time data, replay
// protection; TR ACM-FU §3.1). It returns the step the code belongs to,
// which the caller stores as the new lastStep in the same transaction that
// grants the session. Codes are compared in constant time.
//
// A code that is not 6 digits is a syntax problem; a wrong, stale or reused
// code is an Unauthorized problem "invalid_code", the same for each, so a
// guesser learns nothing. A bad stored secret gives a plain error wrapping
// ErrBadTOTPSecret.
func VerifyTOTP(secret, code string, t time.Time, lastStep int64) (step int64, err error) {
	const field = "totp_code"
	if len(code) != TOTPDigits {
		return 0, problem.Field(field, "syntax", "The code has %d digits.", TOTPDigits)
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return 0, problem.Field(field, "syntax", "The code has %d digits.", TOTPDigits)
		}
	}
	if err := checkTOTPSecret(secret); err != nil {
		return 0, err
	}
	now := TOTPStep(t)
	found := int64(-1)
	// Every candidate step is computed and compared, so the time taken does
	// not tell which step matched.
	for s := now - TOTPSkew; s <= now+TOTPSkew; s++ {
		if s < 0 {
			continue
		}
		want, err := totpCodeAt(secret, s)
		if err != nil {
			return 0, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep && found < 0 {
			found = s
		}
	}
	if found < 0 {
		return 0, problem.New(problem.Unauthorized, field, "invalid_code",
			"The code is wrong, expired or already used; wait for the next code and try again.")
	}
	return found, nil
}
