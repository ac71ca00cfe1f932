package account

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/problem"
)

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, pw := range []string{"correct horse battery staple", "ä€😀 Passphrase mit Umlaut", ""} {
		enc, err := HashPassword(TestArgon2(), pw, rand.Reader)
		wantOK(t, err)
		if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
			t.Fatalf("encoding %q", enc)
		}
		ok, err := VerifyPassword(enc, pw)
		wantOK(t, err)
		if !ok {
			t.Fatalf("password %q does not verify against its own hash", pw)
		}
		for _, wrong := range []string{pw + "x", strings.ToUpper(pw) + "!", "correct horse battery stapl"} {
			if wrong == pw {
				continue
			}
			ok, err := VerifyPassword(enc, wrong)
			wantOK(t, err)
			if ok {
				t.Fatalf("wrong password %q verifies against hash of %q", wrong, pw)
			}
		}
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	t.Parallel()
	a, err := HashPassword(TestArgon2(), "same password here", rand.Reader)
	wantOK(t, err)
	b, err := HashPassword(TestArgon2(), "same password here", rand.Reader)
	wantOK(t, err)
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

// TestKnownHash pins the encoding: a hash made once keeps verifying, and the
// parameters are read from the string, not from the defaults.
func TestKnownHash(t *testing.T) {
	t.Parallel()
	salt := bytes.Repeat([]byte{7}, 16)
	p := Argon2Params{Memory: 128, Time: 2, Threads: 2, KeyLen: 24, SaltLen: 16}
	enc, err := HashPassword(p, "known password", bytes.NewReader(salt))
	wantOK(t, err)
	const want = "$argon2id$v=19$m=128,t=2,p=2$BwcHBwcHBwcHBwcHBwcHBw$"
	if !strings.HasPrefix(enc, want) {
		t.Fatalf("encoding %q, want prefix %q", enc, want)
	}
	ok, err := VerifyPassword(enc, "known password")
	wantOK(t, err)
	if !ok {
		t.Fatal("hash with non-default parameters does not verify")
	}
	got, _, key, err := parsePHC(enc)
	wantOK(t, err)
	if got != p || len(key) != 24 {
		t.Fatalf("parsed %+v, key %d bytes; want %+v", got, len(key), p)
	}
	if NeedsRehash(enc, p) {
		t.Error("NeedsRehash with the same parameters")
	}
	if !NeedsRehash(enc, DefaultArgon2()) || !NeedsRehash("garbage", p) {
		t.Error("NeedsRehash misses changed parameters or a bad string")
	}
	// The same parameters with another memory cost give another hash.
	other := strings.Replace(enc, "m=128", "m=256", 1)
	ok, err = VerifyPassword(other, "known password")
	wantOK(t, err)
	if ok {
		t.Fatal("changing m in the string still verifies: parameters not used")
	}
}

func TestVerifyPasswordMalformed(t *testing.T) {
	t.Parallel()
	good, err := HashPassword(TestArgon2(), "password for parsing", bytes.NewReader(bytes.Repeat([]byte{1}, 16)))
	wantOK(t, err)
	parts := strings.Split(good, "$")
	salt, hash := parts[4], parts[5]
	join := func(p ...string) string { return strings.Join(p, "$") }
	bad := map[string]string{
		"empty":           "",
		"plain":           "secret",
		"bcrypt":          "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"argon2i":         join("", "argon2i", "v=19", "m=64,t=1,p=1", salt, hash),
		"argon2d":         join("", "argon2d", "v=19", "m=64,t=1,p=1", salt, hash),
		"no leading $":    join("argon2id", "v=19", "m=64,t=1,p=1", salt, hash),
		"missing version": join("", "argon2id", "m=64,t=1,p=1", salt, hash),
		"version 16":      join("", "argon2id", "v=16", "m=64,t=1,p=1", salt, hash),
		"version junk":    join("", "argon2id", "v=1x", "m=64,t=1,p=1", salt, hash),
		"params order":    join("", "argon2id", "v=19", "t=1,m=64,p=1", salt, hash),
		"params missing":  join("", "argon2id", "v=19", "m=64,t=1", salt, hash),
		"params extra":    join("", "argon2id", "v=19", "m=64,t=1,p=1,k=2", salt, hash),
		"params spaces":   join("", "argon2id", "v=19", "m=64, t=1, p=1", salt, hash),
		"leading zero":    join("", "argon2id", "v=19", "m=064,t=1,p=1", salt, hash),
		"plus sign":       join("", "argon2id", "v=19", "m=+64,t=1,p=1", salt, hash),
		"time zero":       join("", "argon2id", "v=19", "m=64,t=0,p=1", salt, hash),
		"threads zero":    join("", "argon2id", "v=19", "m=64,t=1,p=0", salt, hash),
		"threads 256":     join("", "argon2id", "v=19", "m=4096,t=1,p=256", salt, hash),
		"memory tiny":     join("", "argon2id", "v=19", "m=7,t=1,p=1", salt, hash),
		"memory per lane": join("", "argon2id", "v=19", "m=16,t=1,p=4", salt, hash),
		"memory huge":     join("", "argon2id", "v=19", "m=4294967295,t=1,p=1", salt, hash),
		"memory overflow": join("", "argon2id", "v=19", "m=4294967296,t=1,p=1", salt, hash),
		"time huge":       join("", "argon2id", "v=19", "m=64,t=1000,p=1", salt, hash),
		"salt padded":     join("", "argon2id", "v=19", "m=64,t=1,p=1", salt+"==", hash),
		"salt url b64":    join("", "argon2id", "v=19", "m=64,t=1,p=1", strings.Repeat("_", 22), hash),
		"salt short":      join("", "argon2id", "v=19", "m=64,t=1,p=1", "AQEBAQ", hash),
		"salt empty":      join("", "argon2id", "v=19", "m=64,t=1,p=1", "", hash),
		"hash short":      join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, hash[:10]),
		"hash empty":      join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, ""),
		"trailing $":      good + "$",
		"trailing data":   good + "$extra",
		"too long":        join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, strings.Repeat("A", 600)),
		"salt newline":    join("", "argon2id", "v=19", "m=64,t=1,p=1", salt[:10]+"\n"+salt[10:], hash),
		"hash CR":         join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, hash[:10]+"\r"+hash[10:]),
		"bad b64 bits":    join("", "argon2id", "v=19", "m=64,t=1,p=1", salt[:len(salt)-1]+"B", hash),
	}
	for name, enc := range bad {
		ok, err := VerifyPassword(enc, "password for parsing")
		if ok || !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: %q gave ok=%v err=%v, want ErrMalformedHash", name, enc, ok, err)
		}
	}
	ok, err := VerifyPassword(good, "password for parsing")
	if !ok || err != nil {
		t.Fatalf("control: good hash gave %v %v", ok, err)
	}
}

func TestHashPasswordErrors(t *testing.T) {
	t.Parallel()
	if _, err := HashPassword(TestArgon2(), "pw", io.LimitReader(rand.Reader, 3)); err == nil {
		t.Error("short random source accepted")
	}
	for _, p := range []Argon2Params{
		{Memory: 64, Time: 0, Threads: 1, KeyLen: 32, SaltLen: 16},
		{Memory: 64, Time: 1, Threads: 0, KeyLen: 32, SaltLen: 16},
		{Memory: 64, Time: 1, Threads: 1, KeyLen: 8, SaltLen: 16},
		{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 4},
		{Memory: 4, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16},
	} {
		if _, err := HashPassword(p, "pw", rand.Reader); err == nil {
			t.Errorf("params %+v accepted", p)
		}
	}
	if err := DefaultArgon2().check(); err != nil {
		t.Errorf("default params: %v", err)
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		pw   string
		code string
	}{
		{"correct horse battery staple", ""},
		{"Tr0ub4dor&3x", ""},
		{"zwölf Zeiche", ""}, // 12 characters, 13 bytes
		{"elf Zeichen", "weak"},
		{"", "weak"},
		{"ääääääääääää", "weak"},
		{"aaaaaaaaaaaaaaaaaaaaaa", "weak"},
		{"abababababababab", "weak"},
		{"123456789012", "weak"}, // not one run (9 → 0), but common
		{"1234567890123", "weak"},
		{"Kaffee am Morgen", ""},
		{"abcdefghijklmnop", "weak"},
		{"ponmlkjihgfedcba", "weak"},
		{"23456789:;<=", "weak"},
		{"passwordpassword", "weak"},
		{"PasswordPassword", "weak"},
		{"Qwertzuiop12", "weak"},
		{"Administrator", "weak"},
		{"tab\tinside password", "syntax"},
		{"newline\ninside password", "syntax"},
		{"bad utf8 \xff password", "syntax"},
		{strings.Repeat("Lange Passphrase ", 60), ""},                   // 1020 bytes
		{strings.Repeat("Lange Passphrase ", 60) + "12345", "too_long"}, // 1025 bytes
	}
	for _, tt := range tests {
		field := ""
		if tt.code != "" {
			field = "password"
		}
		err := CheckPasswordPolicy(tt.pw)
		if tt.code == "" && err != nil {
			t.Errorf("%q: %v", tt.pw, err)
			continue
		}
		if tt.code != "" {
			p := problem.As(err)
			if p == nil || p.Field != field || p.Code != tt.code || p.Kind != problem.Invalid {
				t.Errorf("%q: got %v, want %s/%s", tt.pw, err, field, tt.code)
			}
		}
	}
}

var generatedPattern = regexp.MustCompile(`^[a-hjkmnp-z2-9]{5}(-[a-hjkmnp-z2-9]{5}){3}$`)

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	counts := map[rune]int{}
	const n = 2000
	for i := 0; i < n; i++ {
		pw, err := GeneratePassword(rand.Reader)
		wantOK(t, err)
		if !generatedPattern.MatchString(pw) {
			t.Fatalf("generated %q does not match %s", pw, generatedPattern)
		}
		wantOK(t, CheckPasswordPolicy(pw))
		if seen[pw] {
			t.Fatalf("generated %q twice", pw)
		}
		seen[pw] = true
		for _, r := range strings.ReplaceAll(pw, "-", "") {
			counts[r]++
		}
	}
	// Each of the 31 characters should appear about n·20/31 ≈ 1290 times;
	// a modulo bias or a missing character shows far outside ±20 %.
	if len(counts) != len(unambiguousAlphabet) {
		t.Fatalf("%d distinct characters, want %d", len(counts), len(unambiguousAlphabet))
	}
	mean := float64(n*20) / float64(len(unambiguousAlphabet))
	for r, c := range counts {
		if math.Abs(float64(c)-mean) > 0.2*mean {
			t.Errorf("character %q appears %d times, mean %.0f", r, c, mean)
		}
	}
}

func TestGeneratePasswordBrokenSource(t *testing.T) {
	t.Parallel()
	if _, err := GeneratePassword(bytes.NewReader(make([]byte, 1024))); err == nil {
		t.Error("all-zero random source gave a password")
	}
	if _, err := GeneratePassword(io.LimitReader(rand.Reader, 10)); err == nil {
		t.Error("exhausted random source gave a password")
	}
	// Bytes above the rejection limit are skipped, never mapped.
	src := append(bytes.Repeat([]byte{255}, 64), []byte("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f")...)
	pw, err := GeneratePassword(bytes.NewReader(src))
	wantOK(t, err)
	if pw != "abcde-fghjk-mnpqr-stuvw" {
		t.Errorf("got %q", pw)
	}
}
