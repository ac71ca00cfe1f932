package account

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/siegel-mail/siegel/internal/problem"
)

// testChain builds a sealed history of n entries for one account.
func testChain(t *testing.T, n int) []Entry {
	t.Helper()
	berlin, err := Berlin()
	wantOK(t, err)
	var out []Entry
	prev := ""
	for i := 1; i <= n; i++ {
		e := Entry{
			Seq:     int64(i),
			At:      testNow.Add(time.Duration(i)*time.Minute + 123*time.Nanosecond).In(berlin),
			Account: "acc-1",
			Action:  fmt.Sprintf("action_%d", i),
			Actor:   OfficerActor("o7"),
			Detail:  fmt.Sprintf(`{"n":%d}`, i),
		}
		wantOK(t, CheckEntry(e))
		e = Seal(prev, e)
		out = append(out, e)
		prev = e.Hash
	}
	return out
}

func chainSeq(err error) int64 {
	var ce *ChainError
	if errors.As(err, &ce) {
		return ce.Seq
	}
	return -1
}

func TestSeal(t *testing.T) {
	t.Parallel()
	c := testChain(t, 3)
	if c[0].PrevHash != GenesisHash || len(GenesisHash) != 64 || strings.Trim(GenesisHash, "0") != "" {
		t.Fatalf("first prev hash %q", c[0].PrevHash)
	}
	for i, e := range c {
		if len(e.Hash) != 64 || strings.ToLower(e.Hash) != e.Hash {
			t.Fatalf("hash %q is not lower-case hex SHA-256", e.Hash)
		}
		if i > 0 && e.PrevHash != c[i-1].Hash {
			t.Fatalf("entry %d not linked", e.Seq)
		}
		if e.At.Location() != time.UTC || e.At.Nanosecond()%1000 != 0 {
			t.Fatalf("At %v not normalised to UTC microseconds", e.At)
		}
	}
	// Sealing is deterministic, and "" and GenesisHash are the same start.
	again := Seal(GenesisHash, c[0])
	if again.Hash != c[0].Hash {
		t.Fatal("sealing the same entry twice gives different hashes")
	}
	wantOK(t, VerifyChain(c))
}

func TestSealUnambiguous(t *testing.T) {
	t.Parallel()
	base := Entry{Seq: 1, At: testNow, Account: "acc", Action: "a", Actor: "bc", Detail: "{}"}
	shifted := base
	shifted.Action, shifted.Actor = "ab", "c"
	if Seal("", base).Hash == Seal("", shifted).Hash {
		t.Fatal(`"a"+"bc" and "ab"+"c" hash alike`)
	}
	moved := base
	moved.Account, moved.Action = "acca", ""
	if Seal("", base).Hash == Seal("", moved).Hash {
		t.Fatal("moving bytes between account and action is not seen")
	}
	// Every field counts.
	edits := []func(e *Entry){
		func(e *Entry) { e.Seq++ },
		func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		func(e *Entry) { e.Account += "x" },
		func(e *Entry) { e.Action += "x" },
		func(e *Entry) { e.Actor = "user" },
		func(e *Entry) { e.Detail = `{"x":1}` },
	}
	for i, edit := range edits {
		e := base
		edit(&e)
		if Seal("", e).Hash == Seal("", base).Hash {
			t.Errorf("edit %d does not change the hash", i)
		}
	}
	if Seal("", base).Hash == Seal(strings.Repeat("1", 64), base).Hash {
		t.Error("the previous hash does not change the hash")
	}
}

func TestVerifyChainStoreRoundTrip(t *testing.T) {
	t.Parallel()
	// A store keeps times as Unix microseconds in UTC; the chain survives.
	c := testChain(t, 4)
	for i := range c {
		c[i].At = time.UnixMicro(c[i].At.UnixMicro()).UTC()
	}
	wantOK(t, VerifyChain(c))
	wantOK(t, VerifyChain(nil))
	wantOK(t, VerifyChainFrom(c[1].Hash, c[2:]))
}

func TestVerifyChainTampering(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		tamper func(c []Entry) []Entry
		seq    int64
	}{
		{"detail changed", func(c []Entry) []Entry { c[2].Detail = `{"n":99}`; return c }, 3},
		{"action changed", func(c []Entry) []Entry { c[4].Action = "unblocked"; return c }, 5},
		{"actor changed", func(c []Entry) []Entry { c[0].Actor = ActorSystem; return c }, 1},
		{"time changed", func(c []Entry) []Entry { c[1].At = c[1].At.Add(time.Second); return c }, 2},
		{"hash replaced", func(c []Entry) []Entry { c[3].Hash = strings.Repeat("a", 64); return c }, 4},
		{"entry resealed", func(c []Entry) []Entry {
			c[2].Detail = `{"n":99}`
			c[2] = Seal(c[2].PrevHash, c[2])
			return c
		}, 4},
		{"middle entry dropped", func(c []Entry) []Entry { return append(c[:2:2], c[3:]...) }, 4},
		{"first entry dropped", func(c []Entry) []Entry { return c[1:] }, 2},
		{"two swapped", func(c []Entry) []Entry { c[2], c[3] = c[3], c[2]; return c }, 4},
		{"first two swapped", func(c []Entry) []Entry { c[0], c[1] = c[1], c[0]; return c }, 2},
		{"seq renumbered", func(c []Entry) []Entry { c[2].Seq = 7; return c }, 7},
		{"foreign entry", func(c []Entry) []Entry {
			other := Seal(c[1].Hash, Entry{Seq: 3, At: testNow, Account: "acc-2", Action: "x", Actor: "user"})
			c[2] = other
			return c
		}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.tamper(testChain(t, 6))
			err := VerifyChain(c)
			if got := chainSeq(err); got != tt.seq {
				t.Fatalf("got %v (seq %d), want the error at seq %d", err, got, tt.seq)
			}
			if !strings.Contains(err.Error(), fmt.Sprintf("entry %d", tt.seq)) {
				t.Fatalf("error %q does not name entry %d", err, tt.seq)
			}
		})
	}
}

func TestCheckEntry(t *testing.T) {
	t.Parallel()
	good := Entry{Seq: 1, At: testNow, Account: "acc-1", Action: "applied", Actor: ActorUser, Detail: `{"kind":"person"}`}
	tests := []struct {
		name  string
		edit  func(e *Entry)
		field string
		code  string
	}{
		{"valid", func(e *Entry) {}, "", ""},
		{"no detail", func(e *Entry) { e.Detail = "" }, "", ""},
		{"system", func(e *Entry) { e.Actor = ActorSystem }, "", ""},
		{"officer", func(e *Entry) { e.Actor = OfficerActor("anna") }, "", ""},
		{"seq zero", func(e *Entry) { e.Seq = 0 }, "seq", "syntax"},
		{"no time", func(e *Entry) { e.At = time.Time{} }, "at", "required"},
		{"no account", func(e *Entry) { e.Account = "" }, "account", "required"},
		{"no action", func(e *Entry) { e.Action = "" }, "action", "required"},
		{"actor unknown", func(e *Entry) { e.Actor = "admin" }, "actor", "syntax"},
		{"actor empty", func(e *Entry) { e.Actor = "" }, "actor", "syntax"},
		{"officer without id", func(e *Entry) { e.Actor = "officer:" }, "actor", "syntax"},
		{"officer id spaces", func(e *Entry) { e.Actor = "officer: anna" }, "actor", "syntax"},
		{"detail not json", func(e *Entry) { e.Detail = "blocked by anna" }, "detail", "syntax"},
		{"detail array", func(e *Entry) { e.Detail = `[1,2]` }, "detail", "syntax"},
		{"detail null", func(e *Entry) { e.Detail = `null` }, "detail", "syntax"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := good
			tt.edit(&e)
			check(t, CheckEntry(e), problem.Invalid, tt.field, tt.code)
		})
	}
}
