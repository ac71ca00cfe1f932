package account

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/siegel-mail/siegel/internal/problem"
)

// Passwords are kept only as argon2id hashes in the PHC string format
//
//	$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>
//
// (base64 without padding, standard alphabet), never recoverably
// (TR ACM-FU §3.1, §4.1.4: "nicht in einem in Klartext wiederherstellbaren
// Format"; SPEC Accounts). The parameters travel in the string, so hashes
// made with older parameters keep verifying after the defaults change.

// Argon2Params are the cost parameters of argon2id (RFC 9106).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8  // lanes
	KeyLen  uint32 // bytes of hash
	SaltLen uint32 // bytes of salt
}

// Bounds on parameters read from a stored hash. They keep a corrupted or
// planted hash from costing unbounded memory or time, and refuse parameters
// too weak to be ours.
const (
	minArgon2Memory  = 8       // KiB; RFC 9106 minimum is 8 per lane
	maxArgon2Memory  = 1 << 20 // KiB = 1 GiB
	maxArgon2Time    = 16      // passes
	minArgon2KeyLen  = 16      // bytes
	maxArgon2KeyLen  = 128     // bytes
	minArgon2SaltLen = 8       // bytes; RFC 9106 recommends 16
	maxArgon2SaltLen = 64      // bytes
	maxEncodedHash   = 512     // characters of a PHC string
	argon2Version    = argon2.Version
)

// ErrMalformedHash is wrapped by VerifyPassword's error for a stored string
// that is not an argon2id PHC string within the accepted bounds.
var ErrMalformedHash = errors.New("malformed password hash")

// DefaultArgon2 returns the parameters for new password hashes: the OWASP
// Password Storage Cheat Sheet's minimum for argon2id, 19 MiB, 2 passes,
// 1 lane, 32-byte hash, 16-byte salt. RFC 9106's second recommended profile
// (64 MiB, 3 passes, 4 lanes) is stronger, but costs 64 MiB and four cores'
// worth of work per concurrent login; on a small provider node (2 cores) a
// burst of logins, or an attacker sending wrong passwords, would exhaust it.
// The hash takes a few tens of milliseconds per login here. Raise it with
// the hardware: old hashes keep working, and NeedsRehash tells when to renew
// one at the next successful login.
func DefaultArgon2() Argon2Params {
	return Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// TestArgon2 returns cheap parameters for tests only.
func TestArgon2() Argon2Params {
	return Argon2Params{Memory: 64, Time: 1, Threads: 1, KeyLen: 32, SaltLen: 16}
}

// check reports whether p lies within the accepted bounds.
func (p Argon2Params) check() error {
	switch {
	case p.Threads < 1:
		return errors.New("argon2: threads must be at least 1")
	case p.Time < 1 || p.Time > maxArgon2Time:
		return fmt.Errorf("argon2: time %d outside 1..%d", p.Time, maxArgon2Time)
	case p.Memory < minArgon2Memory*uint32(p.Threads) || p.Memory > maxArgon2Memory:
		return fmt.Errorf("argon2: memory %d KiB outside %d..%d", p.Memory, minArgon2Memory*uint32(p.Threads), maxArgon2Memory)
	case p.KeyLen < minArgon2KeyLen || p.KeyLen > maxArgon2KeyLen:
		return fmt.Errorf("argon2: key length %d outside %d..%d", p.KeyLen, minArgon2KeyLen, maxArgon2KeyLen)
	case p.SaltLen < minArgon2SaltLen || p.SaltLen > maxArgon2SaltLen:
		return fmt.Errorf("argon2: salt length %d outside %d..%d", p.SaltLen, minArgon2SaltLen, maxArgon2SaltLen)
	}
	return nil
}

// HashPassword hashes password with a fresh salt read from rand and returns
// the PHC string to store.
func HashPassword(p Argon2Params, password string, rand io.Reader) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := io.ReadFull(rand, salt); err != nil {
		return "", fmt.Errorf("password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return encodePHC(p, salt, key), nil
}

// encodePHC formats the PHC string.
func encodePHC(p Argon2Params, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt),
		base64.RawStdEncoding.EncodeToString(key))
}

// VerifyPassword reports whether password matches the stored PHC string
// encoded, using the parameters written in it. The comparison takes
// constant time. The error is only for an encoding that cannot be parsed or
// lies outside the accepted bounds; a wrong password is (false, nil).
func VerifyPassword(encoded, password string) (ok bool, err error) {
	p, salt, key, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether a stored hash was made with parameters other
// than p (or cannot be read), so it should be replaced by a new hash the
// next time the password is known, at a successful login.
func NeedsRehash(encoded string, p Argon2Params) bool {
	got, _, _, err := parsePHC(encoded)
	if err != nil {
		return true
	}
	return got != p
}

// parsePHC parses "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" strictly: fixed
// order, decimal numbers without sign or leading zeros, canonical base64
// without padding, and every value within bounds.
func parsePHC(encoded string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	bad := func(why string) (Argon2Params, []byte, []byte, error) {
		return Argon2Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, why)
	}
	if len(encoded) > maxEncodedHash {
		return bad("too long")
	}
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return bad("not a PHC string")
	}
	if parts[1] != "argon2id" {
		return bad("algorithm is not argon2id")
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return bad("no version")
	}
	if n, ok := parseDecimal(v, 32); !ok || n != argon2Version {
		return bad("unsupported version")
	}
	params := strings.Split(parts[3], ",")
	if len(params) != 3 {
		return bad("parameters are not m,t,p")
	}
	var nums [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		s, ok := strings.CutPrefix(params[i], name)
		if !ok {
			return bad("parameters are not m,t,p")
		}
		bits := 32
		if i == 2 {
			bits = 8
		}
		if nums[i], ok = parseDecimal(s, bits); !ok {
			return bad("parameter " + name + " is not a number in range")
		}
	}
	p.Memory, p.Time, p.Threads = uint32(nums[0]), uint32(nums[1]), uint8(nums[2])
	// encoding/base64 skips '\r' and '\n' while decoding; a stored hash
	// has none, so any byte outside the alphabet is refused first.
	if !isBase64(parts[4]) || !isBase64(parts[5]) {
		return bad("salt or hash has characters outside base64")
	}
	enc := base64.RawStdEncoding.Strict()
	salt, err := enc.DecodeString(parts[4])
	if err != nil {
		return bad("salt is not base64")
	}
	key, err := enc.DecodeString(parts[5])
	if err != nil {
		return bad("hash is not base64")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return bad(err.Error())
	}
	return p, salt, key, nil
}

// isBase64 reports whether s holds only characters of the standard base64
// alphabet, without padding.
func isBase64(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return false
		}
	}
	return true
}

// parseDecimal parses a canonical unsigned decimal: digits only, no leading
// zero unless the number is 0.
func parseDecimal(s string, bits int) (uint64, bool) {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(s, 10, bits)
	return n, err == nil
}

// Password policy (TR ACM-FU §3.1, §4.1.4 refer to the provider's rules).
// Following NIST SP 800-63B on memorized secrets: length, not composition; no
// forced rotation; a check against very common choices. Spaces and any
// printable Unicode are welcome, so passphrases work.
const (
	MinPasswordLen      = 12   // characters
	MaxPasswordBytes    = 1024 // bytes, bounds hashing work per attempt
	generatedGroups     = 4
	generatedGroupLen   = 5
	unambiguousAlphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
)

// commonPassword reports whether s, in lower case, is one of a few very
// common choices of at least MinPasswordLen characters. Passwords of fewer
// than three distinct characters or one ascending or descending run are
// refused apart from this list (monotonous).
func commonPassword(s string) bool {
	switch s {
	case "passwordpassword", "password1234", "password12345", "password123456",
		"passwort1234", "passwort12345", "passwortpasswort",
		"qwertyuiopasdfghjkl", "qwertzuiopasdfghjkl", "qwertyuiop12", "qwertzuiop12",
		"qwerty123456", "qwertz123456", "1q2w3e4r5t6y", "1q2w3e4r5t6z",
		"iloveyou1234", "123456123456", "123123123123", "111222333444",
		"123456789012", "1234567890123", "12345678901234", "123456789123",
		"abc123abc123", "letmein12345", "welcome12345", "willkommen123",
		"hallo1234567", "demailpassword", "de-mailpasswort", "administrator",
		"administrator1", "changeme1234", "geheimgeheim":
		return true
	}
	return false
}

// CheckPasswordPolicy checks a password chosen by a user. Generated
// passwords pass it.
func CheckPasswordPolicy(password string) error {
	const field = "password"
	if len(password) > MaxPasswordBytes {
		return problem.Field(field, "too_long", "The password is longer than %d bytes.", MaxPasswordBytes)
	}
	if !utf8.ValidString(password) {
		return problem.Field(field, "syntax", "The password is not valid UTF-8 text.")
	}
	for _, r := range password {
		if unicode.IsControl(r) {
			return problem.Field(field, "syntax", "The password contains a control character; use printable characters and spaces.")
		}
	}
	if n := utf8.RuneCountInString(password); n < MinPasswordLen {
		return problem.Field(field, "weak", "The password has %d characters; use at least %d. A few words in a row work well.", n, MinPasswordLen)
	}
	if commonPassword(strings.ToLower(password)) || monotonous(password) {
		return problem.Field(field, "weak", "This password is too easy to guess; choose another.")
	}
	return nil
}

// monotonous reports whether s is built from fewer than three distinct
// characters ("aaaa…", "abab…") or is one run in which each character is
// one more, or each one less, than the previous ("1234…", "zyxw…").
func monotonous(s string) bool {
	rs := []rune(s)
	distinct := map[rune]bool{}
	for _, r := range rs {
		distinct[r] = true
		if len(distinct) >= 3 {
			break
		}
	}
	if len(distinct) < 3 {
		return true
	}
	step := rs[1] - rs[0]
	if step != -1 && step != 1 {
		return false
	}
	for i := 2; i < len(rs); i++ {
		if rs[i]-rs[i-1] != step {
			return false
		}
	}
	return true
}

// GeneratePassword makes the initial password delivered to a new account
// holder (DMG §3(4) Nr. 2): 20 characters from an alphabet without look-alike
// characters, in four groups of five joined by '-' so it can be read aloud
// and typed from paper, about 99 bits of entropy: "k7mqz-3hv9p-…".
func GeneratePassword(rand io.Reader) (string, error) {
	const n = len(unambiguousAlphabet)
	// Rejection sampling keeps every character equally likely: bytes at or
	// above the largest multiple of n are drawn again.
	limit := byte(256 / n * n)
	var b strings.Builder
	buf := make([]byte, 32)
	count := 0
	for count < generatedGroups*generatedGroupLen {
		if _, err := io.ReadFull(rand, buf); err != nil {
			return "", fmt.Errorf("generate password: %w", err)
		}
		for _, c := range buf {
			if c >= limit {
				continue
			}
			if count > 0 && count%generatedGroupLen == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(unambiguousAlphabet[int(c)%n])
			count++
			if count == generatedGroups*generatedGroupLen {
				break
			}
		}
	}
	pw := b.String()
	// A broken random source (all zeros) would give "aaaaa-aaaaa-…";
	// refuse it rather than hand it out.
	if err := CheckPasswordPolicy(pw); err != nil {
		return "", fmt.Errorf("generate password: random source produced a weak password: %w", err)
	}
	return pw, nil
}
