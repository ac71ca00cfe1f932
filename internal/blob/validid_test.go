package blob_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/blob"
)

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

func TestValidID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		strings.Repeat("0", 64):                      true,
		strings.Repeat("af", 32):                     true,
		"0123456789abcdef" + strings.Repeat("0", 48): true,
		strings.Repeat("A", 64):                      false,
		strings.Repeat("0", 63):                      false,
		strings.Repeat("0", 65):                      false,
		strings.Repeat("0", 63) + "g":                false,
		strings.Repeat("0", 62) + "/.":               false,
		"":                                           false,
		"../../etc/passwd":                           false,
		strings.Repeat("0", 63) + "\n":               false,
		strings.Repeat("é", 32):                      false, // 64 bytes, not hex
	} {
		if got := blob.ValidID(s); got != want {
			t.Errorf("ValidID(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidID(f *testing.F) {
	for _, s := range []string{"", "../../etc/passwd", strings.Repeat("a", 64), strings.Repeat("A", 64), strings.Repeat("0", 63) + "\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if blob.ValidID(s) != idPattern.MatchString(s) {
			t.Fatalf("ValidID(%q) = %v, the pattern says otherwise", s, blob.ValidID(s))
		}
	})
}
