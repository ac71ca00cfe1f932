package account

import (
	"encoding/base32"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// rfcSecret is the SHA-1 key of RFC 6238 Appendix B, "12345678901234567890".
const rfcSecret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

func TestTOTPCodeRFC6238(t *testing.T) {
	t.Parallel()
	// RFC 6238 Appendix B, SHA-1 column; the 8-digit values' last 6 digits.
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	}
	for _, tt := range tests {
		got, err := TOTPCode(rfcSecret, time.Unix(tt.unix, 0))
		wantOK(t, err)
		if got != tt.want {
			t.Errorf("TOTPCode at %d = %s, want %s", tt.unix, got, tt.want)
		}
		// Lower case and missing padding are read the same.
		got, err = TOTPCode(strings.ToLower(rfcSecret)+" ", time.Unix(tt.unix, 0))
		wantOK(t, err)
		if got != tt.want {
			t.Errorf("lower-case secret at %d = %s, want %s", tt.unix, got, tt.want)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	t.Parallel()
	for unix, want := range map[int64]int64{0: 0, 29: 0, 30: 1, 59: 1, 60: 2, -1: -1, -30: -1, -31: -2} {
		if got := TOTPStep(time.Unix(unix, 0)); got != want {
			t.Errorf("TOTPStep(%d) = %d, want %d", unix, got, want)
		}
	}
	if _, err := TOTPCode(rfcSecret, time.Unix(-1, 0)); err == nil {
		t.Error("code before 1970")
	}
}

func TestVerifyTOTP(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 14, 10, 0, 15, 0, time.UTC)
	step := TOTPStep(now)
	code := func(d int64) string {
		c, err := TOTPCode(rfcSecret, time.Unix((step+d)*TOTPPeriod, 0))
		wantOK(t, err)
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastStep int64
		want     int64 // step returned, when no error
		errCode  string
	}{
		{"current step", code(0), 0, step, ""},
		{"previous step", code(-1), 0, step - 1, ""},
		{"next step", code(+1), 0, step + 1, ""},
		{"two steps back", code(-2), 0, 0, "invalid_code"},
		{"two steps ahead", code(+2), 0, 0, "invalid_code"},
		{"replay of current", code(0), step, 0, "invalid_code"},
		{"replay of previous", code(-1), step - 1, 0, "invalid_code"},
		{"after previous used", code(0), step - 1, step, ""},
		{"next after current used", code(+1), step, step + 1, ""},
		{"earlier code after later one", code(-1), step, 0, "invalid_code"},
		{"wrong code", wrongCode(code(-1), code(0), code(1)), 0, 0, "invalid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyTOTP(rfcSecret, tt.code, now, tt.lastStep)
			if tt.errCode != "" {
				wantProblem(t, err, problem.Unauthorized, "totp_code", tt.errCode)
				return
			}
			wantOK(t, err)
			if got != tt.want {
				t.Fatalf("step %d, want %d", got, tt.want)
			}
		})
	}
}

// wrongCode returns a 6-digit code equal to none of the given ones.
func wrongCode(valid ...string) string {
	for _, c := range []string{"000000", "111111", "222222", "333333"} {
		ok := true
		for _, v := range valid {
			if c == v {
				ok = false
			}
		}
		if ok {
			return c
		}
	}
	panic("unreachable")
}

func TestVerifyTOTPSyntax(t *testing.T) {
	t.Parallel()
	now := time.Unix(1234567890, 0)
	for _, c := range []string{"", "00592", "0059244", "00592a", " 05924", "005 924", "٠٠٥٩٢٤", "+05924", "-05924"} {
		_, err := VerifyTOTP(rfcSecret, c, now, 0)
		wantProblem(t, err, problem.Invalid, "totp_code", "syntax")
	}
	step, err := VerifyTOTP(rfcSecret, "005924", now, 0)
	wantOK(t, err)
	if step != TOTPStep(now) {
		t.Fatalf("step %d", step)
	}
}

func TestVerifyTOTPBadSecret(t *testing.T) {
	t.Parallel()
	now := time.Unix(1234567890, 0)
	short := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString([]byte("0123456789")) // 80 bits
	for name, s := range map[string]string{
		"empty":     "",
		"not b32":   "not base32 at all!",
		"80 bits":   short,
		"digit 1":   strings.Repeat("1", 32),
		"too long":  strings.Repeat("A", 400),
		"inner pad": "GEZDGNBV=GY3TQOJQGEZDGNBVGY3TQOJQ",
	} {
		_, err := VerifyTOTP(s, "123456", now, 0)
		if !errors.Is(err, ErrBadTOTPSecret) || problem.As(err) != nil {
			t.Errorf("%s: got %v, want ErrBadTOTPSecret and no problem", name, err)
		}
		if _, err := TOTPCode(s, now); !errors.Is(err, ErrBadTOTPSecret) {
			t.Errorf("%s: TOTPCode gave %v", name, err)
		}
	}
}

func TestNewTOTPSecret(t *testing.T) {
	t.Parallel()
	secret, uri, err := NewTOTPSecret("Siegel Demo", "erika.mustermann@siegel.example")
	wantOK(t, err)
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	wantOK(t, err)
	if len(raw) != 20 {
		t.Fatalf("secret has %d bytes, want 20", len(raw))
	}
	u, err := url.Parse(uri)
	wantOK(t, err)
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || q.Get("secret") != secret || q.Get("issuer") != "Siegel Demo" ||
		q.Get("period") != "30" || q.Get("digits") != "6" || q.Get("algorithm") != "SHA1" {
		t.Fatalf("uri %s", uri)
	}
	if !strings.Contains(u.Path, "erika.mustermann@siegel.example") {
		t.Fatalf("uri path %q lacks the account name", u.Path)
	}
	// The secret works end to end.
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	c, err := TOTPCode(secret, now)
	wantOK(t, err)
	if _, err := VerifyTOTP(secret, c, now, 0); err != nil {
		t.Fatal(err)
	}
	other, _, err := NewTOTPSecret("Siegel Demo", "erika.mustermann@siegel.example")
	wantOK(t, err)
	if other == secret {
		t.Fatal("two secrets are equal")
	}
	_, _, err = NewTOTPSecret("", "x")
	wantProblem(t, err, problem.Invalid, "issuer", "required")
	_, _, err = NewTOTPSecret("Siegel", " ")
	wantProblem(t, err, problem.Invalid, "account_name", "required")
}
