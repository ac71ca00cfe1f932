package account

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// DMG §13(1): the opening of an account, every change of data relevant to
// running it and every change of its status is documented so that the data
// and their integrity can be checked at any time; DMG §13(2) and TR ACM-FU
// §5 Tabelle 7: kept for the contract's term and 10 years after the end of
// the year it ends in. TR ACM-FU §5.3 lists what an entry holds: the
// account, the legal time, automated or manual processing and by which
// officer, and the kind of change.
//
// Each account's entries form a hash chain: every entry's hash covers the
// previous entry's hash, so changing, removing or reordering an entry
// breaks every later link. Cutting entries off the end leaves a shorter
// valid chain; to catch that, compare the last hash with one kept apart
// (for example in a signed, time-stamped checkpoint).

// GenesisHash is the previous hash of an account's first entry.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// Actors of history entries (TR ACM-FU §5.3: automated or manual, and by whom).
const (
	ActorSystem = "system" // automated: a clock job, a lockout
	ActorUser   = "user"   // the account holder, logged in
)

// OfficerActor is the actor for a change made by the officer with id.
func OfficerActor(id string) string { return "officer:" + id }

// historyDomain separates this hash from any other SHA-256 use.
const historyDomain = "siegel/account-history/v1"

// Entry is one documented change of an account's data or status.
type Entry struct {
	Seq      int64     `json:"seq"`       // 1, 2, 3 … within the account
	At       time.Time `json:"at"`        // when; kept to the microsecond
	Account  string    `json:"account"`   // account id
	Action   string    `json:"action"`    // "applied", "identity_verified_manual", "blocked" …
	Actor    string    `json:"actor"`     // "system", "user" or "officer:<id>"
	Detail   string    `json:"detail"`    // JSON object; never a password, code, key or document copy
	PrevHash string    `json:"prev_hash"` // hex SHA-256 of the previous entry, GenesisHash for the first
	Hash     string    `json:"hash"`      // hex SHA-256 of this entry
}

// CheckEntry checks an entry before it is sealed: an action, a known actor,
// and a detail that is empty or a JSON object.
func CheckEntry(e Entry) error {
	if e.Seq < 1 {
		return problem.Field("seq", "syntax", "The sequence number starts at 1.")
	}
	if e.At.IsZero() {
		return problem.Field("at", "required", "The time of the change is required.")
	}
	if strings.TrimSpace(e.Account) == "" {
		return problem.Field("account", "required", "The account is required.")
	}
	if err := checkText("action", e.Action, true); err != nil {
		return err
	}
	switch id, officer := strings.CutPrefix(e.Actor, "officer:"); {
	case e.Actor == ActorSystem, e.Actor == ActorUser:
	case officer && strings.TrimSpace(id) != "" && id == strings.TrimSpace(id):
	default:
		return problem.Field("actor", "syntax", "The actor is system, user or officer:<id>, not %q.", e.Actor)
	}
	if e.Detail != "" {
		var obj map[string]any
		if err := json.Unmarshal([]byte(e.Detail), &obj); err != nil || obj == nil {
			return problem.Field("detail", "syntax", "The detail is not a JSON object.")
		}
	}
	return nil
}

// Seal links e to the previous entry's hash and computes its own: it sets
// PrevHash (GenesisHash when prevHash is empty), normalises At to UTC at
// microsecond precision, as stores keep it, and sets Hash.
func Seal(prevHash string, e Entry) Entry {
	if prevHash == "" {
		prevHash = GenesisHash
	}
	e.PrevHash = prevHash
	e.At = e.At.UTC().Truncate(time.Microsecond)
	e.Hash = entryHash(e)
	return e
}

// entryHash is the hex SHA-256 of an unambiguous encoding of e's fields
// except Hash: each field is written as its length (8 bytes, big endian)
// followed by its bytes, so no two different entries encode alike
// ("a"+"bc" differs from "ab"+"c"). The time is its Unix microseconds.
func entryHash(e Entry) string {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	num := func(v int64) {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(v))
		field(b[:])
	}
	field([]byte(historyDomain))
	num(e.Seq)
	num(e.At.UnixMicro())
	field([]byte(e.Account))
	field([]byte(e.Action))
	field([]byte(e.Actor))
	field([]byte(e.Detail))
	field([]byte(e.PrevHash))
	return hex.EncodeToString(h.Sum(nil))
}

// ChainError tells which entry breaks a history chain.
type ChainError struct {
	Seq    int64  // the first entry that does not fit: changed, or out of place after a removal or reordering
	Reason string // what is wrong with it
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("account history broken at entry %d: %s", e.Seq, e.Reason)
}

// VerifyChain checks a whole account history, first entry first: it must
// start at GenesisHash, each entry must link to the one before, carry the
// next sequence number and hash to its stored Hash. The error, a
// *ChainError, names the first entry that does not fit.
func VerifyChain(entries []Entry) error {
	return VerifyChainFrom(GenesisHash, entries)
}

// VerifyChainFrom checks a part of a history that follows the entry whose
// hash is prevHash, as VerifyChain does for a whole one.
func VerifyChainFrom(prevHash string, entries []Entry) error {
	for i, e := range entries {
		if e.PrevHash != prevHash {
			return &ChainError{Seq: e.Seq, Reason: "does not link to the entry before it (an entry was removed, inserted or moved)"}
		}
		if i > 0 && e.Seq != entries[i-1].Seq+1 {
			return &ChainError{Seq: e.Seq, Reason: fmt.Sprintf("sequence number follows %d", entries[i-1].Seq)}
		}
		if i > 0 && e.Account != entries[i-1].Account {
			return &ChainError{Seq: e.Seq, Reason: "belongs to another account"}
		}
		if entryHash(e) != e.Hash {
			return &ChainError{Seq: e.Seq, Reason: "its content does not match its hash (changed)"}
		}
		prevHash = e.Hash
	}
	return nil
}
