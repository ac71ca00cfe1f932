package evidence

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
)

// Bounds on the element tree Parse builds, far above what a document holds.
const (
	maxDepth    = 4   // Evidence/EventReasons/EventReason/Code
	maxElements = 128 // 30 in a document without reasons, 3 per reason
)

// node is one element of the document: a leaf with text, or an element with
// children and only white space between them.
type node struct {
	name     string // local name; the namespace is checked while reading
	path     string // "SenderDetails/ElectronicAddress", for errors
	text     string
	children []*node
}

// readTree parses doc into a tree of elements in Namespace, refusing what a
// Siegel evidence document never contains (see Parse).
func readTree(doc []byte) (*node, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = true // and no CharsetReader: only UTF-8; no Entity map: only the five predefined entities
	r := &treeReader{}
	for first := true; ; first = false {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fieldErr(r.path(), "malformed XML: %v", err)
		}
		if err := r.token(tok, first); err != nil {
			return nil, err
		}
	}
	if len(r.stack) > 0 {
		return nil, fieldErr(r.path(), "truncated: the element is not closed")
	}
	if r.root == nil {
		return nil, fieldErr("", "no root element")
	}
	return r.root, nil
}

// treeReader builds the tree from the decoder's tokens.
type treeReader struct {
	stack    []*node // the open elements, the root first
	root     *node
	elements int
}

func (r *treeReader) path() string {
	if len(r.stack) == 0 {
		return ""
	}
	return r.stack[len(r.stack)-1].path
}

func (r *treeReader) token(tok xml.Token, first bool) error {
	switch t := tok.(type) {
	case xml.ProcInst:
		if !first || t.Target != "xml" {
			return fieldErr(r.path(), "processing instruction <?%s?> not allowed", t.Target)
		}
	case xml.Directive:
		return fieldErr(r.path(), "<!%s> not allowed", firstWord(t))
	case xml.Comment:
		return fieldErr(r.path(), "comments not allowed")
	case xml.CharData:
		if len(r.stack) == 0 {
			if !isSpace(t) {
				return fieldErr("", "text outside the root element")
			}
			return nil
		}
		r.stack[len(r.stack)-1].text += string(t)
	case xml.StartElement:
		return r.start(t)
	case xml.EndElement:
		return r.end(t)
	}
	return nil
}

func (r *treeReader) start(t xml.StartElement) error {
	if r.root != nil && len(r.stack) == 0 {
		return fieldErr("", "a second root element <%s> after </Evidence>", t.Name.Local)
	}
	r.elements++
	n, err := startNode(t, r.stack, r.elements)
	if err != nil {
		return err
	}
	if len(r.stack) == 0 {
		r.root = n
	} else {
		top := r.stack[len(r.stack)-1]
		top.children = append(top.children, n)
	}
	r.stack = append(r.stack, n)
	return nil
}

// end closes the open element. RawToken does not match end tags to start
// tags (Token would, but it also rewrites names by namespace); do it here.
func (r *treeReader) end(t xml.EndElement) error {
	if len(r.stack) == 0 {
		return fieldErr("", "end tag </%s> without a start tag", qname(t.Name))
	}
	top := r.stack[len(r.stack)-1]
	if t.Name.Space != "" || t.Name.Local != top.name {
		return fieldErr(top.path, "closed by </%s>", qname(t.Name))
	}
	if err := endNode(top); err != nil {
		return err
	}
	r.stack = r.stack[:len(r.stack)-1]
	return nil
}

// startNode checks a start tag. RawToken does not resolve namespaces, which
// lets us require the one form Marshal writes: unprefixed names, and on the
// root exactly xmlns=Namespace and version="1".
func startNode(t xml.StartElement, stack []*node, elements int) (*node, error) {
	// Paths are relative to the root, as in Check's errors.
	n := &node{name: t.Name.Local, path: t.Name.Local}
	if len(stack) > 1 {
		n.path = stack[len(stack)-1].path + "/" + t.Name.Local
	}
	if t.Name.Space != "" {
		return nil, fieldErr(n.path, "prefixed element name %s", qname(t.Name))
	}
	if len(stack) >= maxDepth {
		return nil, fieldErr(n.path, "nested deeper than %d elements", maxDepth)
	}
	if elements > maxElements {
		return nil, fieldErr(n.path, "more than %d elements", maxElements)
	}
	if len(stack) > 0 && stack[len(stack)-1].text != "" && !isSpace([]byte(stack[len(stack)-1].text)) {
		return nil, fieldErr(stack[len(stack)-1].path, "text mixed with elements")
	}
	if len(stack) == 0 {
		return n, checkRoot(t)
	}
	if len(t.Attr) > 0 {
		return nil, fieldErr(n.path, "attribute %s not allowed", qname(t.Attr[0].Name))
	}
	return n, nil
}

func checkRoot(t xml.StartElement) error {
	if t.Name.Local != "Evidence" {
		return fieldErr(t.Name.Local, "unknown root element, want <Evidence>")
	}
	var ns, version bool
	for _, a := range t.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "xmlns" && !ns:
			ns = true
			if a.Value != Namespace {
				return fieldErr("Evidence", "namespace %q, want %q", a.Value, Namespace)
			}
		case a.Name.Space == "" && a.Name.Local == "version" && !version:
			version = true
			if a.Value != docVersion {
				return fieldErr("Evidence", "version %q, want %q", a.Value, docVersion)
			}
		default:
			return fieldErr("Evidence", "attribute %s not allowed or repeated", qname(a.Name))
		}
	}
	if !ns {
		return fieldErr("Evidence", "no namespace, want xmlns=%q", Namespace)
	}
	if !version {
		return fieldErr("Evidence", "no version attribute")
	}
	return nil
}

// endNode clears the white space between child elements; a leaf keeps its
// text as it is, for Check to judge.
func endNode(n *node) error {
	if len(n.children) > 0 {
		if !isSpace([]byte(n.text)) {
			return fieldErr(n.path, "text mixed with elements")
		}
		n.text = ""
	}
	return nil
}

// fields maps the children of n by name after checking them against want, the
// names in document order, "*" marking an optional one: no unknown, repeated,
// out-of-order or missing required element.
func (n *node) fields(want ...string) (map[string]*node, error) {
	if n.text != "" {
		return nil, fieldErr(n.path, "text where elements are expected")
	}
	f := make(map[string]*node, len(want))
	last := -1
	for _, c := range n.children {
		i := indexName(want, c.name)
		switch {
		case i < 0:
			return nil, fieldErr(c.path, "unknown element")
		case f[c.name] != nil:
			return nil, fieldErr(c.path, "duplicate element")
		case i < last:
			return nil, fieldErr(c.path, "out of order: it comes before <%s>", strings.TrimPrefix(want[last], "*"))
		}
		f[c.name] = c
		last = i
	}
	for _, w := range want {
		if !strings.HasPrefix(w, "*") && f[w] == nil {
			p := w
			if n.name != "Evidence" {
				p = n.path + "/" + w
			}
			return nil, fieldErr(p, "missing")
		}
	}
	return f, nil
}

func indexName(want []string, name string) int {
	for i, w := range want {
		if strings.TrimPrefix(w, "*") == name {
			return i
		}
	}
	return -1
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func firstWord(d xml.Directive) string {
	s, _, _ := strings.Cut(string(d), " ")
	if len(s) > 20 {
		s = s[:20]
	}
	return s
}
