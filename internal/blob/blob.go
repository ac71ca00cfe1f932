package blob

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// ID names a blob: the lowercase hex of HMAC-SHA256 over its plaintext, keyed
// with a key derived from the master key. Equal content gets the same ID on every
// node sharing the key, and someone who can list the folder cannot test whether a
// guessed plaintext is stored, which a plain SHA-256 name would allow.
type ID string

// Errors a Store returns, wrapped; test them with errors.Is.
var (
	// ErrNotFound: no blob has this ID (or it was deleted).
	ErrNotFound = errors.New("blob: not found")
	// ErrInvalidID: the string is not 64 lowercase hex digits. Every method
	// refuses such IDs before touching storage, so an ID from a request can
	// never become a path outside the store.
	ErrInvalidID = errors.New("blob: invalid id")
	// ErrCorrupt: the stored bytes do not decrypt to content with this ID
	// (tampered, truncated, swapped with another blob, or written with another
	// master key). Get never returns wrong content instead.
	ErrCorrupt = errors.New("blob: corrupt")
	// ErrWrongKey: NewFS was given a master key other than the one the folder
	// was created with. Caught at start rather than as every Get failing.
	ErrWrongKey = errors.New("blob: folder belongs to another master key")
)

// Store is the seam every blob store implements (filesystem now, S3-compatible
// later). Implementations are safe for concurrent use.
type Store interface {
	// Put stores data and returns its ID. Putting content that already exists is
	// a no-op returning the same ID. Put makes the blob visible but not durable:
	// callers batch many Puts and call Sync once (grouped commit: many concurrent
	// letter accepts share one flush) before they record the ID in the database.
	Put(ctx context.Context, data []byte) (ID, error)
	// Sync makes every blob Put so far (by this Store value) durable.
	Sync(ctx context.Context) error
	// Get returns the plaintext, verifying it against the ID: a swapped or
	// corrupted blob is an error wrapping ErrCorrupt, never wrong content.
	Get(ctx context.Context, id ID) ([]byte, error)
	// Stat reports whether the blob exists (an error wrapping ErrNotFound if
	// not) and its stored, ciphertext, size, which is at least the plaintext's.
	Stat(ctx context.Context, id ID) (size int64, err error)
	// Delete removes a blob (the final deletion of letters). Deleting a missing
	// blob is not an error. The caller must know that no record references the
	// blob any more: content addressing means another letter may share it.
	Delete(ctx context.Context, id ID) error
}

// idLen is the length of an ID: 32 bytes of HMAC-SHA256 in hex.
const idLen = 2 * sha256.Size

// ValidID reports whether s is 64 lowercase hex digits, the only form an ID has.
func ValidID(s string) bool {
	if len(s) != idLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isHexDigit(s[i]) {
			return false
		}
	}
	return true
}

// isHexDigit reports whether c is a lowercase hex digit.
func isHexDigit(c byte) bool { return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' }

func checkID(id ID) error {
	if !ValidID(string(id)) {
		// %q: the caller's string may hold anything, including newlines for
		// a log line; quote it.
		return fmt.Errorf("%w: %q", ErrInvalidID, string(id))
	}
	return nil
}

func notFound(id ID) error { return fmt.Errorf("%w: %s", ErrNotFound, id) }

// Stored format.
const (
	magic    = "SGB1"
	tagSize  = 16
	overhead = len(magic) + tagSize // stored size = plaintext size + overhead
)

// KeySize is the length of a master key in bytes.
const KeySize = 32

// HKDF labels. Versioned, so that a future format can derive fresh keys from
// the same master key without any chance of reusing a (key, nonce) pair.
const (
	infoID       = "siegel blob id v1"
	infoBlob     = "siegel blob v1 " // + the ID
	infoKeyCheck = "siegel blob keycheck v1"
)

// keys holds what is derived from a master key. Only the HKDF pseudorandom key
// is kept, not the master key itself: each derivation is then one HKDF-Expand.
type keys struct {
	prk      []byte // HKDF-Extract(master, salt=nil)
	idKey    []byte // HMAC key for IDs
	keyCheck string // hex proof of the key, stored in a folder's keycheck file
}

func newKeys(master []byte) (*keys, error) {
	if len(master) != KeySize {
		return nil, fmt.Errorf("blob: master key has %d bytes, want %d", len(master), KeySize)
	}
	prk, err := hkdf.Extract(sha256.New, master, nil)
	if err != nil {
		return nil, fmt.Errorf("blob: derive keys: %w", err)
	}
	k := &keys{prk: prk}
	if k.idKey, err = hkdf.Expand(sha256.New, prk, infoID, 32); err != nil {
		return nil, fmt.Errorf("blob: derive keys: %w", err)
	}
	check, err := hkdf.Expand(sha256.New, prk, infoKeyCheck, 32)
	if err != nil {
		return nil, fmt.Errorf("blob: derive keys: %w", err)
	}
	k.keyCheck = hex.EncodeToString(check)
	return k, nil
}

// id names data.
func (k *keys) id(data []byte) ID {
	m := hmac.New(sha256.New, k.idKey)
	m.Write(data)
	return ID(hex.EncodeToString(m.Sum(nil)))
}

// verify reports whether data is the content named id, in constant time.
func (k *keys) verify(id ID, data []byte) bool {
	return hmac.Equal([]byte(k.id(data)), []byte(id))
}

// aead returns the cipher for the one blob named id.
func (k *keys) aead(id ID) (cipher.AEAD, error) {
	key, err := hkdf.Expand(sha256.New, k.prk, infoBlob+string(id), 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal returns the stored form of data, which must be the content named id:
// magic, then ciphertext and tag. Deterministic given the key and the plaintext.
func (k *keys) seal(id ID, data []byte) ([]byte, error) {
	a, err := k.aead(id)
	if err != nil {
		return nil, fmt.Errorf("blob: cipher: %w", err)
	}
	// The all-zero nonce is safe because this key seals exactly one plaintext:
	// see the package comment ("Encryption").
	var nonce [12]byte
	out := make([]byte, len(magic), len(data)+overhead)
	copy(out, magic)
	return a.Seal(out, nonce[:], data, []byte(id)), nil
}

// open returns the plaintext of the stored form b of blob id, or an error
// wrapping ErrCorrupt if b is not exactly what seal(id, plaintext) produced.
func (k *keys) open(id ID, b []byte) ([]byte, error) {
	if len(b) < overhead || string(b[:len(magic)]) != magic {
		return nil, fmt.Errorf("%w: %s: not a blob file", ErrCorrupt, id)
	}
	a, err := k.aead(id)
	if err != nil {
		return nil, fmt.Errorf("blob: cipher: %w", err)
	}
	var nonce [12]byte
	plain, err := a.Open(nil, nonce[:], b[len(magic):], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("%w: %s: does not decrypt (tampered, swapped or another key)", ErrCorrupt, id)
	}
	// GCM already binds the ciphertext to the ID through the key and the
	// additional data; recomputing the name is the independent check that the
	// content really is the one the caller asked for.
	if !k.verify(id, plain) {
		return nil, fmt.Errorf("%w: %s: content does not match its name", ErrCorrupt, id)
	}
	return plain, nil
}
