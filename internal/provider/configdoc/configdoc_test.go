package configdoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/provider"
)

var committed = filepath.Join("..", "..", "..", "docs", "config.md")

// TestCommittedDocUpToDate keeps docs/config.md in step with provider.Config.
func TestCommittedDocUpToDate(t *testing.T) {
	got, err := Markdown()
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("read the committed docs/config.md: %v\nwrite it from the module root with:\n\t%s", err, Command)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/config.md is out of date with provider.Config (%s); regenerate it from the module root with:\n\t%s",
			firstDifference(got, want), Command)
	}
}

func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		if i >= len(g) || i >= len(w) || g[i] != w[i] {
			line := func(l []string) string {
				if i < len(l) {
					return fmt.Sprintf("%q", l[i])
				}
				return "end of file"
			}
			return fmt.Sprintf("first difference at line %d: generated %s, committed %s", i+1, line(g), line(w))
		}
	}
	return "they differ"
}

// TestEveryKeyCommented: every leaf of provider.Config has a comment tag, which
// is both its description here and its comment in siegel.toml.
func TestEveryKeyCommented(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, k := range keys {
		if strings.TrimSpace(k.Comment) == "" {
			missing = append(missing, k.Path)
		}
	}
	if len(missing) > 0 {
		t.Errorf("provider.Config fields without a comment tag:\n\t%s", strings.Join(missing, "\n\t"))
	}
	// Keys must see every leaf: count the struct's leaves independently.
	if n := countLeaves(reflect.TypeFor[provider.Config]()); n != len(keys) {
		t.Errorf("Keys lists %d keys; provider.Config has %d leaf fields", len(keys), n)
	}
}

func countLeaves(t reflect.Type) int {
	n := 0
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() || f.Tag.Get("toml") == "-" {
			continue
		}
		if f.Type.Kind() == reflect.Struct && !isText(f.Type) {
			n += countLeaves(f.Type)
		} else {
			n++
		}
	}
	return n
}

func TestKeys(t *testing.T) {
	keys, err := Keys()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]Key{}
	for _, k := range keys {
		byPath[k.Path] = k
	}
	for path, want := range map[string]Key{
		"domain":                 {Type: "string", Default: "''"},
		"login.lock_base":        {Type: "string (duration)", Default: "'1m0s'"},
		"login.session_max_age":  {Type: "string (duration)", Default: "'24h0m0s'"},
		"limits.max_message_mib": {Type: "integer", Default: "20"},
		"login.argon2_threads":   {Type: "integer", Default: "1"},
		"store.url":              {Type: "string", Default: "'sqlite:siegel.db'"},
	} {
		got, ok := byPath[path]
		if !ok {
			t.Errorf("no key %s", path)
			continue
		}
		if got.Type != want.Type || got.Default != want.Default {
			t.Errorf("%s: type %q default %q, want %q %q", path, got.Type, got.Default, want.Type, want.Default)
		}
	}
}
