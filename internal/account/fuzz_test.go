package account

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// fuzzMaxWork bounds the argon2 work (KiB × passes) the fuzzer may ask for
// per input; larger, valid parameters are only parsed, so the fuzzer tests
// the parser instead of waiting on argon2.
const fuzzMaxWork = 4096

func FuzzVerifyPassword(f *testing.F) {
	good, err := HashPassword(TestArgon2(), "fuzz password", bytes.NewReader(bytes.Repeat([]byte{9}, 16)))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, "fuzz password")
	f.Add(good, "wrong")
	f.Add("$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA", "x")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAA", "")
	f.Add("$argon2id$v=19$m=4294967295,t=4294967295,p=255$$", "")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "")
	f.Add("$$$$$", "")
	f.Add("", "")
	f.Fuzz(func(t *testing.T, encoded, password string) {
		p, salt, key, perr := parsePHC(encoded)
		if perr != nil {
			if !errors.Is(perr, ErrMalformedHash) {
				t.Fatalf("parse error %v does not wrap ErrMalformedHash", perr)
			}
		} else {
			// The parser is strict: what it accepts is canonical.
			if again := encodePHC(p, salt, key); again != encoded {
				t.Fatalf("accepted %q, which re-encodes as %q", encoded, again)
			}
			if err := p.check(); err != nil {
				t.Fatalf("accepted out-of-bounds params %+v: %v", p, err)
			}
			if uint64(p.Memory)*uint64(p.Time) > fuzzMaxWork {
				return
			}
		}
		ok, err := VerifyPassword(encoded, password)
		if (err != nil) != (perr != nil) {
			t.Fatalf("VerifyPassword err %v, parse err %v", err, perr)
		}
		if err != nil && ok {
			t.Fatal("ok with an error")
		}
		if encoded == good && ok != (password == "fuzz password") {
			t.Fatalf("VerifyPassword(good, %q) = %v", password, ok)
		}
	})
}

func FuzzVerifyTOTP(f *testing.F) {
	f.Add(rfcSecret, "005924", int64(1234567890), int64(0))
	f.Add(rfcSecret, "005924", int64(1234567890), int64(41152263))
	f.Add(rfcSecret, "287082", int64(59), int64(-1))
	f.Add("", "000000", int64(0), int64(0))
	f.Add("GEZDGNBV=", "12345", int64(-1), int64(0))
	f.Add("gezdgnbvgy3tqojqgezdgnbvgy3tqojq", "٠٠٥٩٢٤", int64(-9223372036854775808), int64(9223372036854775807))
	f.Fuzz(func(t *testing.T, secret, code string, unix, lastStep int64) {
		at := time.Unix(unix, 0)
		step, err := VerifyTOTP(secret, code, at, lastStep)
		if err != nil {
			if step != 0 {
				t.Fatalf("step %d with error %v", step, err)
			}
			if p := problem.As(err); p != nil {
				if p.Field != "totp_code" || (p.Code != "syntax" && p.Code != "invalid_code") {
					t.Fatalf("unexpected problem %s/%s", p.Field, p.Code)
				}
			} else if !errors.Is(err, ErrBadTOTPSecret) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		// Accepted: a later step than lastStep, within one step of now,
		// whose code is the one given.
		now := TOTPStep(at)
		if step <= lastStep || step < now-TOTPSkew || step > now+TOTPSkew || step < 0 {
			t.Fatalf("accepted step %d at step %d, lastStep %d", step, now, lastStep)
		}
		want, err := totpCodeAt(secret, step)
		if err != nil || want != code {
			t.Fatalf("accepted %q for step %d whose code is %q (%v)", code, step, want, err)
		}
		// The same code cannot be used again for the same step.
		if again, err := VerifyTOTP(secret, code, at, step); err == nil && again <= step {
			t.Fatalf("code accepted twice for step %d", again)
		}
	})
}
