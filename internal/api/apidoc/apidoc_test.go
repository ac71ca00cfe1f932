package apidoc

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/siegel-mail/siegel/internal/api"
)

// apiDir is internal/api seen from this package's directory, where go test runs.
const apiDir = ".."

var committed = filepath.Join("..", "..", "..", "docs", "api.md")

// TestCommittedDocUpToDate keeps docs/api.md in step with the routes and the
// wire types.
func TestCommittedDocUpToDate(t *testing.T) {
	got, err := MarkdownFrom(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(committed)
	if err != nil {
		t.Fatalf("read the committed docs/api.md: %v\nwrite it from the module root with:\n\t%s", err, Command)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("docs/api.md is out of date with internal/api (%s); regenerate it from the module root with:\n\t%s",
			firstDifference(got, want), Command)
	}
}

// firstDifference names the first line where the generated and the committed
// document differ.
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

// TestEveryFieldDocumented: every field of every body a route takes or gives,
// and of every type they hold, has a description, as has every such type.
func TestEveryFieldDocumented(t *testing.T) {
	g, err := newGenerator(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := g.render(); err != nil {
		t.Fatal(err)
	}
	// render checks what it writes; make sure that covers every route's types.
	for _, r := range g.routes {
		for _, v := range []any{r.Request, r.Response} {
			if v == nil {
				continue
			}
			typ := structType(v)
			if typ == nil {
				t.Errorf("%s %s: body %T is not a struct", r.Method, r.Path, v)
				continue
			}
			for _, f := range jsonFields(typ) {
				g.description(f)
			}
		}
	}
	var missing []string
	for k := range g.undocumented {
		missing = append(missing, k)
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("undocumented in internal/api/types.go (add a doc comment or a trailing line comment):\n\t%s",
			strings.Join(missing, "\n\t"))
	}
}

// TestMarkdownFindsSource: Markdown locates internal/api by itself.
func TestMarkdownFindsSource(t *testing.T) {
	got, err := Markdown()
	if err != nil {
		t.Skipf("no source path (built with -trimpath?): %v", err)
	}
	want, err := MarkdownFrom(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("Markdown and MarkdownFrom(%q) differ: %s", apiDir, firstDifference(got, want))
	}
}

func TestDeterministic(t *testing.T) {
	a, err := MarkdownFrom(apiDir)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		b, err := MarkdownFrom(apiDir)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatalf("two runs differ: %s", firstDifference(a, b))
		}
	}
}

// TestJSONFields checks the flattening against encoding/json's rules.
func TestJSONFields(t *testing.T) {
	type Inner struct {
		A string `json:"a"`
		B string `json:"b,omitempty"`
	}
	type Other struct {
		A string `json:"a"`
	}
	type Outer struct {
		Inner
		*Other
		B       string `json:"b"` // shadows Inner.B
		C       int    `json:"-"`
		D       *int   `json:"d"`
		E       bool   `json:"e,omitzero"`
		private int    //lint:ignore U1000 unexported fields must be skipped; this one proves it
		Tagged  Inner  `json:"tagged"`
	}
	var got []string
	for _, f := range jsonFields(reflect.TypeFor[Outer]()) {
		got = append(got, fmt.Sprintf("%s:%s:%v", f.name, f.owner.Name(), f.optional))
	}
	// a is dropped: Inner.A and Other.A conflict at the same depth, both tagged.
	want := []string{"b:Outer:false", "d:Outer:true", "e:Outer:true", "tagged:Outer:false"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("jsonFields = %v, want %v", got, want)
	}
}

func TestDescription(t *testing.T) {
	g := &generator{undocumented: map[string]bool{}, docs: map[string]*typeDoc{"ApplicationRequest": {fields: map[string]string{
		"Address":   "Address is one of the proposals.",
		"Pseudonym": "Pseudonym asks for pn_<pseudonym>@domain instead.",
		"Kind":      "Kind: person or organisation.",
		"Person":    "the person's data",
	}}}}
	owner := reflect.TypeFor[api.ApplicationRequest]()
	for goName, want := range map[string]string{
		"Address":   "One of the proposals.",
		"Pseudonym": "`pseudonym` asks for pn_<pseudonym>@domain instead.",
		"Kind":      "Person or organisation.",
		"Person":    "the person's data",
	} {
		f := field{name: strings.ToLower(goName), goName: goName, owner: owner}
		if got := g.description(f); got != want {
			t.Errorf("description(%s) = %q, want %q", goName, got, want)
		}
	}
	if got := escape("pn_<x>@d | `a|<b>`"); got != "pn_&lt;x&gt;@d \\| `a\\|<b>`" {
		t.Errorf("escape = %q", got)
	}
}
