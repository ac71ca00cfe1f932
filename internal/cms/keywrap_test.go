package cms

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAESKeyWrapRFC3394 checks wrap and unwrap against the test vectors of
// RFC 3394 §4.1, §4.3 and §4.6 (the last the shape Encrypt uses: a 256-bit
// key under a 256-bit key-encryption key).
func TestAESKeyWrapRFC3394(t *testing.T) {
	t.Parallel()
	const kek256 = "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
	for _, v := range []struct{ section, kek, key, wrapped string }{
		{"4.1", "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447 AEF34BD8FB5A7B82 9D3E862371D2CFE5"},
		{"4.3", kek256, "00112233445566778899AABBCCDDEEFF",
			"64E8C3F9CE0F5BA2 63E9777905818A2A 93C8191E7D6E8AE7"},
		{"4.6", kek256, "00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4 CBCCB35CFB87F826 3F5786E2D80ED326 CBC7F0E71A99F43B FB988B9B7A02DD21"},
	} {
		kek, key, want := unhex(t, v.kek), unhex(t, v.key), unhex(t, v.wrapped)
		got, err := aesWrap(kek, key)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("§%s: wrap gives %X (%v), want %X", v.section, got, err, want)
		}
		back, err := aesUnwrap(kek, want)
		if err != nil || !bytes.Equal(back, key) {
			t.Errorf("§%s: unwrap gives %X (%v), want %X", v.section, back, err, key)
		}
	}
}

// TestAESKeyUnwrapRefuses: every changed bit of the wrapped key, and
// another key-encryption key, fail the integrity check; lengths that are
// not whole blocks of at least two are refused before any AES.
func TestAESKeyUnwrapRefuses(t *testing.T) {
	t.Parallel()
	kek := unhex(t, "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
	wrapped := unhex(t, "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21")
	for i := range wrapped {
		for bit := range 8 {
			c := bytes.Clone(wrapped)
			c[i] ^= 1 << bit
			if key, err := aesUnwrap(kek, c); !errors.Is(err, errUnwrap) || key != nil {
				t.Fatalf("byte %d bit %d changed: %X, %v", i, bit, key, err)
			}
		}
	}
	other := bytes.Clone(kek)
	other[31] ^= 0x80
	if _, err := aesUnwrap(other, wrapped); !errors.Is(err, errUnwrap) {
		t.Errorf("another KEK: %v", err)
	}
	for _, n := range []int{0, 8, 16, 23, 41} {
		if _, err := aesUnwrap(kek, make([]byte, n)); err == nil || errors.Is(err, errUnwrap) {
			t.Errorf("unwrap of %d bytes: %v", n, err)
		}
	}
	for _, n := range []int{0, 8, 15, 33} {
		if _, err := aesWrap(kek, make([]byte, n)); err == nil {
			t.Errorf("wrap of %d bytes did not fail", n)
		}
	}
	if _, err := aesWrap(kek[:20], make([]byte, 16)); err == nil {
		t.Error("wrap under a 20-byte KEK did not fail")
	}
}
