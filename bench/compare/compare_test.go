package main

import (
	"strings"
	"testing"
)

func FuzzSplice(f *testing.F) {
	f.Add("# Performance\n\ntext\n", "body")
	f.Add("a\n"+beginMarker+"\nold\n"+endMarker+"\nafter\n", "new")
	f.Add(endMarker+beginMarker, "x")
	f.Fuzz(func(t *testing.T, doc, body string) {
		out, err := splice(doc, body)
		if err != nil {
			return
		}
		if strings.Contains(body, beginMarker) || strings.Contains(body, endMarker) {
			return // a body holding the markers is not what the report writes
		}
		b, e := strings.Index(out, beginMarker), strings.Index(out, endMarker)
		if b < 0 || e < b || !strings.Contains(out[b:e], body) {
			t.Fatalf("body not between the markers:\n%s", out)
		}
		if i := strings.Index(doc, beginMarker); i >= 0 && !strings.HasPrefix(out, doc[:i]) {
			t.Fatal("the text before the markers changed")
		}
		if i := strings.Index(doc, endMarker); i >= 0 && !strings.HasSuffix(out, doc[i:]) {
			t.Fatal("the text after the markers changed")
		}
	})
}

func FuzzParsePostfix(f *testing.F) {
	f.Add([]byte("postfix bench: installing\n{\"tool\":\"postfix\",\"version\":\"3.7.11\",\"messages\":1000,\"delivered\":1000,\"end_to_end_seconds\":8.1,\"end_to_end_rate\":123.4}\n"))
	f.Add([]byte("{\"tool\":\"postfix\",\"messages\":0}"))
	f.Add([]byte("{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := parsePostfix(b)
		if err != nil {
			return
		}
		if r.Messages < 1 || r.Delivered > r.Messages || r.EndToEndRate < 0 {
			t.Fatalf("accepted %+v", r)
		}
	})
}

// TestSplice: a document without markers gets a section at its end; with
// them, only the part between changes.
func TestSplice(t *testing.T) {
	doc := "# Performance\n\nhand-written\n"
	once, err := splice(doc, "first")
	if err != nil || !strings.HasPrefix(once, doc) || !strings.HasSuffix(once, beginMarker+"\nfirst\n"+endMarker+"\n") {
		t.Fatalf("first splice (%v):\n%s", err, once)
	}
	twice, err := splice(once+"\nafter, by hand\n", "second")
	if err != nil || strings.Contains(twice, "first") || !strings.Contains(twice, "second\n"+endMarker+"\n\nafter, by hand") {
		t.Fatalf("second splice (%v):\n%s", err, twice)
	}
	if _, err := splice(endMarker+"\n"+beginMarker, "x"); err == nil {
		t.Error("markers in the wrong order accepted")
	}
}
