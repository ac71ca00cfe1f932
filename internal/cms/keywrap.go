package cms

import (
	"crypto/aes"
	"crypto/subtle"
	"encoding/binary"
	"errors"
)

// The AES key wrap of RFC 3394 §2.2, which wraps the content-encryption key
// under the key-encryption key that ECDH and the KDF give (RFC 5753 §3.1.1,
// with id-aes*-wrap, RFC 3565 §2.3.2). Neither the standard library nor
// golang.org/x/crypto has it, and it is small: six rounds of AES over the
// key's 64-bit blocks, chained through a register that ends as a check value.

// wrapIV is the default initial value of RFC 3394 §2.2.3.1: what the
// register holds before wrapping and must hold again after unwrapping.
const wrapIV = 0xa6a6a6a6a6a6a6a6

// wrapOverhead is what wrapping adds to a key: the register, 64 bits.
const wrapOverhead = 8

// errUnwrap is the integrity check failing (RFC 3394 §2.2.3): the wrapped
// key was changed, or the key-encryption key is not the sender's.
var errUnwrap = errors.New("the AES key wrap's integrity check fails (RFC 3394 §2.2.3)")

// aesWrap wraps key, at least two 64-bit blocks (RFC 3394 §2.2.1), under
// kek (16, 24 or 32 bytes): the index-based form of §2.2.1, step 2.
func aesWrap(kek, key []byte) ([]byte, error) {
	if len(key) < 16 || len(key)%8 != 0 {
		return nil, errors.New("cms: key wrap: the key is not a multiple of 64 bits of at least 128")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	n := len(key) / 8
	out := make([]byte, wrapOverhead+len(key))
	r := out[wrapOverhead:]
	copy(r, key)
	a := uint64(wrapIV)
	var b [16]byte
	for j := range 6 {
		for i := range n {
			binary.BigEndian.PutUint64(b[:8], a)
			copy(b[8:], r[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8]) ^ uint64(n*j+i+1) // t = n·j + i, i counting from 1
			copy(r[8*i:8*i+8], b[8:])
		}
	}
	binary.BigEndian.PutUint64(out[:8], a)
	clear(b[:])
	return out, nil
}

// aesUnwrap reverses aesWrap (RFC 3394 §2.2.2, index-based) and checks the
// register against wrapIV (§2.2.3), in constant time so that a forger learns
// nothing from how long a refusal takes. It returns errUnwrap when the check
// fails, and nothing of what the unwrapping gave.
func aesUnwrap(kek, wrapped []byte) ([]byte, error) {
	if len(wrapped) < wrapOverhead+16 || len(wrapped)%8 != 0 {
		return nil, errors.New("cms: key wrap: the wrapped key is not a multiple of 64 bits of at least 192")
	}
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	key := make([]byte, len(wrapped)-wrapOverhead)
	copy(key, wrapped[wrapOverhead:])
	n := len(key) / 8
	a := binary.BigEndian.Uint64(wrapped[:8])
	var b [16]byte
	for j := 5; j >= 0; j-- {
		for i := n - 1; i >= 0; i-- {
			binary.BigEndian.PutUint64(b[:8], a^uint64(n*j+i+1))
			copy(b[8:], key[8*i:8*i+8])
			block.Decrypt(b[:], b[:])
			a = binary.BigEndian.Uint64(b[:8])
			copy(key[8*i:8*i+8], b[8:])
		}
	}
	clear(b[:])
	var got, want [8]byte
	binary.BigEndian.PutUint64(got[:], a)
	binary.BigEndian.PutUint64(want[:], wrapIV)
	if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
		clear(key)
		return nil, errUnwrap
	}
	return key, nil
}
