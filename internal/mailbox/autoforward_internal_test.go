package mailbox

import (
	"slices"
	"strings"
	"testing"
)

// TestForwardTrace: an automatic forward's marks are read back from a
// copy's header: the Auto-Submitted kind and the forwarders, oldest first,
// lower case, with or without angle brackets; a header without them, or
// one that does not parse, has none.
func TestForwardTrace(t *testing.T) {
	t.Parallel()
	h := string(traceFields(AutoForwarded, []string{"anna@a.test", "ben@b.test"})) +
		HdrForwardedFrom + ":  Carl@C.Test \r\nFrom: x@a.test\r\nSubject: s\r\n\r\n"
	auto, chain := forwardTrace([]byte(h))
	if auto != AutoForwarded || !slices.Equal(chain, []string{"anna@a.test", "ben@b.test", "carl@c.test"}) {
		t.Fatalf("forwardTrace = %q, %v", auto, chain)
	}
	if auto, chain := forwardTrace([]byte("From: x@a.test\r\n\r\n")); auto != "" || chain != nil {
		t.Fatalf("a plain letter: %q, %v", auto, chain)
	}
	if auto, chain := forwardTrace([]byte("no header at all")); auto != "" || chain != nil {
		t.Fatalf("garbage: %q, %v", auto, chain)
	}
}

// FuzzForwardTrace: a copy's header comes from another provider, so the
// trace reader must survive anything and give back only what it found,
// lower case.
func FuzzForwardTrace(f *testing.F) {
	f.Add([]byte(string(traceFields(AutoNotified, []string{"a@b.test"})) + "From: a@b.test\r\n\r\n"))
	f.Add([]byte(HdrForwardedFrom + ": <\r\n\r\n"))
	f.Add([]byte("Auto-Submitted: AUTO-FORWARDED\r\n \r\n\r\n"))
	f.Fuzz(func(t *testing.T, header []byte) {
		auto, chain := forwardTrace(header)
		if auto != strings.ToLower(auto) {
			t.Fatalf("Auto-Submitted %q is not lower case", auto)
		}
		for _, a := range chain {
			if a != strings.ToLower(a) {
				t.Fatalf("forwarder %q is not lower case", a)
			}
		}
	})
}
