// Package apidoc generates docs/api.md, the reference of Siegel's HTTP API, from
// the code itself: the route table (api.Server.Routes), the wire types by
// reflection, their doc comments parsed from internal/api/types.go (and a
// part's types_*.go), and the HTTP
// status of each problem kind parsed from internal/api/errors.go and
// internal/problem. A test compares the result with the committed file, so the
// reference cannot drift from the code. Regenerate it from the module root with
//
//	go run ./internal/api/apidoc/cmd/apidoc docs/api.md
package apidoc

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/siegel-mail/siegel/internal/account"
	"github.com/siegel-mail/siegel/internal/api"
	"github.com/siegel-mail/siegel/internal/auth"
	"github.com/siegel-mail/siegel/internal/registration"
)

// Command is how to regenerate docs/api.md, run from the module root.
const Command = "go run ./internal/api/apidoc/cmd/apidoc docs/api.md"

// BasePath is the prefix of every route of API version 1.
const BasePath = "/api/v1"

// Markdown generates docs/api.md, reading the api package's source from the
// directory this package was compiled from. It needs the source tree (go run, go
// test); a binary built elsewhere or with -trimpath should use MarkdownFrom.
func Markdown() ([]byte, error) {
	_, file, _, ok := runtime.Caller(0)
	if !ok || !filepath.IsAbs(file) {
		return nil, errors.New("apidoc: the package source is not available; use MarkdownFrom with the internal/api directory")
	}
	return MarkdownFrom(filepath.Join(filepath.Dir(file), ".."))
}

// MarkdownFrom generates docs/api.md with the api package's source in dir
// (internal/api, relative to the module root when run from there).
func MarkdownFrom(dir string) ([]byte, error) {
	g, err := newGenerator(dir)
	if err != nil {
		return nil, err
	}
	return g.render()
}

// generator holds what the document is built from.
type generator struct {
	routes   []api.Route
	docs     map[string]*typeDoc // Go type name in types.go → its comments
	statuses []kindStatus
	// Filled while rendering.
	nested       map[reflect.Type]bool // struct types referenced by fields, for the Types section
	undocumented map[string]bool       // "Type.Field" or "type Type" lacking a comment
	anchors      map[string]string     // heading → GitHub anchor
}

// typeDoc is a type's doc comment and its fields' comments, by Go field name.
type typeDoc struct {
	doc    string
	fields map[string]string
}

// kindStatus is one problem kind and the HTTP status the API answers it with.
type kindStatus struct {
	status  int
	kind    string
	meaning string
}

var apiPkgPath = reflect.TypeFor[api.Route]().PkgPath()

func newGenerator(dir string) (*generator, error) {
	docs, err := parseTypeDocs(filepath.Join(dir, "types.go"))
	if err != nil {
		return nil, err
	}
	// The wire types of a part may have a file of their own, types_*.go.
	more, err := filepath.Glob(filepath.Join(dir, "types_*.go"))
	if err != nil {
		return nil, err
	}
	for _, f := range more {
		d, err := parseTypeDocs(f)
		if err != nil {
			return nil, err
		}
		maps.Copy(docs, d)
	}
	statuses, err := parseStatuses(filepath.Join(dir, "errors.go"), filepath.Join(dir, "..", "problem"))
	if err != nil {
		return nil, err
	}
	// Routes only builds the table: the handlers are method values, never called.
	routes := (&api.Server{}).Routes()
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, BasePath+"/") {
			return nil, fmt.Errorf("apidoc: route %s %s is not under %s", r.Method, r.Path, BasePath)
		}
	}
	return &generator{routes: routes, docs: docs, statuses: statuses,
		nested: map[reflect.Type]bool{}, undocumented: map[string]bool{}}, nil
}

// field is one JSON member of a wire type, after flattening embedded structs.
type field struct {
	name     string       // JSON name
	goName   string       // Go field name
	owner    reflect.Type // the struct declaring it, for its comment
	typ      reflect.Type
	optional bool
	asString bool // ",string" option
	index    []int
	depth    int
	tagged   bool
}

// jsonFields lists a struct's JSON members the way encoding/json sees them:
// unexported and "-" fields left out, embedded structs without a name flattened,
// and of fields with the same name the shallowest (then the only tagged) one wins.
func jsonFields(t reflect.Type) []field {
	var all []field
	var walk func(t reflect.Type, index []int, depth int, viaPtr bool, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, index []int, depth int, viaPtr bool, seen map[reflect.Type]bool) {
		if seen[t] {
			return
		}
		seen[t] = true
		defer delete(seen, t)
		for i := range t.NumField() {
			sf := t.Field(i)
			tag := sf.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := sf.Type
			if sf.Anonymous {
				et := ft
				if et.Kind() == reflect.Pointer {
					et = et.Elem()
				}
				if !sf.IsExported() && et.Kind() != reflect.Struct {
					continue
				}
				if name == "" && et.Kind() == reflect.Struct && !customJSON(et) {
					walk(et, append(slices.Clone(index), i), depth+1, viaPtr || ft.Kind() == reflect.Pointer, seen)
					continue
				}
			} else if !sf.IsExported() {
				continue
			}
			f := field{name: name, goName: sf.Name, owner: t, typ: ft, index: append(slices.Clone(index), i),
				depth: depth, tagged: name != ""}
			if f.name == "" {
				f.name = sf.Name
			}
			for o := range strings.SplitSeq(opts, ",") {
				switch o {
				case "omitempty", "omitzero":
					f.optional = true
				case "string":
					f.asString = true
				}
			}
			if ft.Kind() == reflect.Pointer || viaPtr {
				f.optional = true
			}
			all = append(all, f)
		}
	}
	walk(t, nil, 0, false, map[reflect.Type]bool{})

	byName := map[string][]field{}
	for _, f := range all {
		byName[f.name] = append(byName[f.name], f)
	}
	var out []field
	for _, fs := range byName {
		depth := fs[0].depth
		for _, f := range fs {
			depth = min(depth, f.depth)
		}
		var top, tagged []field
		for _, f := range fs {
			if f.depth == depth {
				top = append(top, f)
				if f.tagged {
					tagged = append(tagged, f)
				}
			}
		}
		switch {
		case len(top) == 1:
			out = append(out, top[0])
		case len(tagged) == 1:
			out = append(out, tagged[0])
		}
	}
	sort.Slice(out, func(i, j int) bool { return slices.Compare(out[i].index, out[j].index) < 0 })
	return out
}

var (
	timeType       = reflect.TypeFor[time.Time]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
	jsonMarshaler  = reflect.TypeFor[json.Marshaler]()
	textMarshaler  = reflect.TypeFor[encoding.TextMarshaler]()
)

// customJSON reports whether t encodes itself rather than as its fields.
func customJSON(t reflect.Type) bool {
	for _, c := range []reflect.Type{t, reflect.PointerTo(t)} {
		if c.Implements(jsonMarshaler) || c.Implements(textMarshaler) {
			return true
		}
	}
	return false
}

// jsonType describes t as a JSON type, linking named structs to their entry in
// the Types section and noting them there.
func (g *generator) jsonType(t reflect.Type) (string, error) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "string (RFC 3339 time)", nil
	case t == rawMessageType:
		return "object", nil
	case t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8:
		return "string (base64)", nil
	case customJSON(t) && (reflect.PointerTo(t).Implements(textMarshaler) || t.Implements(textMarshaler)):
		return "string", nil
	case customJSON(t):
		return "", fmt.Errorf("apidoc: cannot describe %s, which encodes itself as JSON", t)
	}
	switch t.Kind() {
	case reflect.String:
		return "string", nil
	case reflect.Bool:
		return "boolean", nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "number", nil
	case reflect.Slice, reflect.Array:
		e, err := g.jsonType(t.Elem())
		if err != nil {
			return "", err
		}
		return "array of " + e, nil
	case reflect.Map:
		return "object", nil
	case reflect.Interface:
		return "any JSON value", nil
	case reflect.Struct:
		if t.Name() == "" {
			return "", fmt.Errorf("apidoc: cannot describe the anonymous struct %s", t)
		}
		g.nested[t] = true
		return fmt.Sprintf("object ([%s](#%s))", t.Name(), g.anchor(t.Name())), nil
	}
	return "", fmt.Errorf("apidoc: cannot describe %s as JSON", t)
}

// description is a field's comment, with a leading Go field name turned into
// the JSON one: "Address is one of …" → "One of …", "Pseudonym asks …" →
// "`pseudonym` asks …".
func (g *generator) description(f field) string {
	var text string
	if f.owner.PkgPath() == apiPkgPath {
		if td := g.docs[f.owner.Name()]; td != nil {
			text = td.fields[f.goName]
		}
	}
	if text == "" {
		g.undocumented[f.owner.Name()+"."+f.goName] = true
		return ""
	}
	switch {
	case strings.HasPrefix(text, f.goName+": "):
		text = capitalize(strings.TrimPrefix(text, f.goName+": "))
	case strings.HasPrefix(text, f.goName+" is "), strings.HasPrefix(text, f.goName+" are "):
		_, rest, _ := strings.Cut(text, " ")
		_, rest, _ = strings.Cut(rest, " ")
		text = capitalize(rest)
	case strings.HasPrefix(text, f.goName+" "):
		text = "`" + f.name + "`" + strings.TrimPrefix(text, f.goName)
	}
	return text
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// typeDocOf is a type's doc comment, noting types without one.
func (g *generator) typeDocOf(t reflect.Type) string {
	if t.PkgPath() == apiPkgPath {
		if td := g.docs[t.Name()]; td != nil && td.doc != "" {
			return td.doc
		}
	}
	g.undocumented["type "+t.Name()] = true
	return ""
}

// table writes the field table of struct type t.
func (g *generator) table(b *bytes.Buffer, t reflect.Type) error {
	fields := jsonFields(t)
	if len(fields) == 0 {
		b.WriteString("An empty object, `{}`.\n\n")
		return nil
	}
	b.WriteString("| Field | Type | Optional | Description |\n|---|---|---|---|\n")
	for _, f := range fields {
		typ, err := g.jsonType(f.typ)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", t.Name(), f.goName, err)
		}
		if f.asString {
			typ = "string (" + typ + ")"
		}
		opt := "no"
		if f.optional {
			opt = "yes"
		}
		fmt.Fprintf(b, "| `%s` | %s | %s | %s |\n", f.name, typ, opt, escape(g.description(f)))
	}
	b.WriteString("\n")
	return nil
}

// body writes a route's request or response body.
func (g *generator) body(b *bytes.Buffer, what string, v any, none string) error {
	if v == nil {
		fmt.Fprintf(b, "**%s body:** %s\n\n", what, none)
		return nil
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t.Name() == "" {
		return fmt.Errorf("apidoc: %s body %s is not a named struct", strings.ToLower(what), t)
	}
	fmt.Fprintf(b, "**%s body:** `%s`. %s\n\n", what, t.Name(), escape(g.typeDocOf(t)))
	return g.table(b, t)
}

func accessText(a api.Access) (short, long string, err error) {
	switch a {
	case api.AccessPublic:
		return "public", "anyone; no token.", nil
	case api.AccessUser:
		return "user", "an account holder, with a session token: `Authorization: Bearer " + auth.TokenPrefix + "…`.", nil
	case api.AccessOfficer:
		return "officer", "a registration officer or operator, with an officer token: `Authorization: Bearer " +
			registration.OfficerTokenPrefix + "…`.", nil
	}
	return "", "", fmt.Errorf("apidoc: unknown access level %d", a)
}

func routeHeading(r api.Route) string { return r.Method + " " + r.Path }

// anchor is the GitHub anchor of a heading in the document.
func (g *generator) anchor(heading string) string {
	if a, ok := g.anchors[heading]; ok {
		return a
	}
	panic("apidoc: no heading " + heading)
}

// Fixed headings of the introduction, in document order.
var introHeadings = []string{"Conventions", "Authentication", "Errors", "Routes"}

// computeAnchors gives every heading GitHub's anchor: lower case, only letters,
// digits, "-" and "_", spaces as "-", repeats numbered.
func (g *generator) computeAnchors(typeNames []string) {
	headings := slices.Clone(introHeadings)
	for _, r := range g.routes {
		headings = append(headings, routeHeading(r))
	}
	headings = append(headings, "Types")
	headings = append(headings, typeNames...)
	g.anchors = map[string]string{}
	used := map[string]int{}
	for _, h := range headings {
		a := strings.Map(func(r rune) rune {
			switch {
			case r == ' ':
				return '-'
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				return unicode.ToLower(r)
			}
			return -1
		}, h)
		if n := used[a]; n > 0 {
			used[a] = n + 1
			a = fmt.Sprintf("%s-%d", a, n)
		} else {
			used[a] = 1
		}
		if _, ok := g.anchors[h]; !ok {
			g.anchors[h] = a
		}
	}
}

// collectNested adds to g.nested every named struct type t's fields refer to,
// through pointers, slices, arrays and maps, recursively.
func (g *generator) collectNested(t reflect.Type) {
	for _, f := range jsonFields(t) {
		ft := f.typ
		for {
			switch ft.Kind() {
			case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
				ft = ft.Elem()
				continue
			}
			break
		}
		if ft.Kind() != reflect.Struct || ft.Name() == "" || ft == timeType || customJSON(ft) || g.nested[ft] {
			continue
		}
		g.nested[ft] = true
		g.collectNested(ft)
	}
}

func structType(v any) reflect.Type {
	if v == nil {
		return nil
	}
	t := reflect.TypeOf(v)
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return nil
	}
	return t
}

// nestedTypes lists, by name, the struct types the routes' bodies and the error
// body refer to.
func (g *generator) nestedTypes() ([]reflect.Type, error) {
	g.nested = map[reflect.Type]bool{}
	g.collectNested(errorDetailType)
	for _, r := range g.routes {
		for _, v := range []any{r.Request, r.Response} {
			if t := structType(v); t != nil {
				g.collectNested(t)
			}
		}
	}
	var out []reflect.Type
	for t := range g.nested {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name() < out[j].Name() })
	for i := 1; i < len(out); i++ {
		if out[i].Name() == out[i-1].Name() {
			return nil, fmt.Errorf("apidoc: two types named %s: %s and %s", out[i].Name(), out[i-1], out[i])
		}
	}
	return out, nil
}

var errorDetailType = reflect.TypeFor[api.ErrorDetail]()

// render builds the document.
func (g *generator) render() ([]byte, error) {
	types, err := g.nestedTypes()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, t := range types {
		names = append(names, t.Name())
	}
	g.computeAnchors(names)
	g.undocumented = map[string]bool{}

	var b bytes.Buffer
	g.intro(&b)
	if err := g.errorSection(&b); err != nil {
		return nil, err
	}
	if err := g.routeSections(&b); err != nil {
		return nil, err
	}
	b.WriteString("## Types\n\n")
	b.WriteString("The objects that fields of the bodies above hold, in alphabetical order.\n\n")
	for _, t := range types {
		fmt.Fprintf(&b, "### %s\n\n", t.Name())
		if d := g.typeDocOf(t); d != "" {
			fmt.Fprintf(&b, "%s\n\n", escape(d))
		}
		if err := g.table(&b, t); err != nil {
			return nil, err
		}
	}
	return append(bytes.TrimRight(b.Bytes(), "\n"), '\n'), nil
}

func (g *generator) intro(b *bytes.Buffer) {
	fmt.Fprintf(b, `# Siegel API v1

<!-- Generated from internal/api by `+"`%s`"+`. Do not edit by hand. -->

Siegel's JSON HTTP API: apply for an account, log in, send and read registered
letters, and, for registration officers, verify and manage accounts. This
reference is generated from the route table and the wire types in
`+"`internal/api`"+`.

## Conventions

- Every route is under `+"`%s`"+`. Path segments in braces, such as `+"`{id}`"+`, are
  parameters; query parameters are named in a route's summary.
- Request and response bodies are JSON, `+"`application/json`"+`. A request body is
  exactly one JSON object in UTF-8; a field it does not know is an error
  (`+"`unknown_field`"+`), and so is a field given twice.
- Field names are snake_case and match exactly: `+"`Subject`"+` is not `+"`subject`"+`. A field marked optional may be left out of a
  request, and is left out of a response when it is empty.
- Times are strings in RFC 3339, in UTC, such as `+"`2025-03-01T09:30:00Z`"+`; they
  may carry fractional seconds.
- Binary data, such as an attachment's content, is a base64 string (standard
  alphabet, padded).

## Authentication

Routes for users and officers need a bearer token in the `+"`Authorization`"+`
header:

`+"```"+`
Authorization: Bearer %s…
`+"```"+`

- **Users**, account holders, get a session token (`+"`%s…`"+`) from
  `+"`POST %s/sessions`"+`; it is shown once, in that response. The session carries
  the login level: `+"`%s`"+` when opened with the password, `+"`%s`"+` with the password
  and a TOTP code. `+"`POST %s/sessions/current/step-up`"+` raises a session to
  `+"`%s`"+`. Some actions need a session at `+"`%s`"+`, such as opening a personal letter.
- **Officers**, registration officers and operators, use an officer token
  (`+"`%s…`"+`), shown once when the officer is created.

A missing, unknown or expired token is answered with status 401 and
`+"`WWW-Authenticate: Bearer realm=\"siegel\"`"+`.

`, Command, BasePath, auth.TokenPrefix, auth.TokenPrefix, BasePath, account.Normal, account.High, BasePath,
		account.High, account.High, registration.OfficerTokenPrefix)
}

func (g *generator) errorSection(b *bytes.Buffer) error {
	b.WriteString(`## Errors

Every error is answered with this body; a request that breaks a rule changes
nothing.

` + "```json" + `
{"error": {"code": "required", "message": "consent to malware scanning is required (TR PVD-FU §3.1.3.1)", "field": "malware_consent"}}
` + "```" + `

`)
	fmt.Fprintf(b, "The object under `error`: %s\n\n", escape(g.typeDocOf(errorDetailType)))
	if err := g.table(b, errorDetailType); err != nil {
		return err
	}
	b.WriteString("The status says how to react; `code` says which rule, and is stable.\n\n")
	b.WriteString("| Status | Kind | When |\n|---|---|---|\n")
	for _, k := range g.statuses {
		m := k.meaning
		if m == "" {
			m = strings.ToLower(http.StatusText(k.status))
		}
		fmt.Fprintf(b, "| %d %s | %s | %s |\n", k.status, http.StatusText(k.status), k.kind, escape(m))
	}
	b.WriteString("\nA route that does not exist is answered 404 with code `not_found`. A failure the\n" +
		"server did not foresee is answered 500 with code `internal`. A write that finds the\n" +
		"provider's disk full is answered 503 with code `insufficient_storage` and `Retry-After`:\n" +
		"nothing was stored, and the same request succeeds once space is freed.\n\n")
	return nil
}

func (g *generator) routeSections(b *bytes.Buffer) error {
	b.WriteString("## Routes\n\n| Method | Path | Access | Summary |\n|---|---|---|---|\n")
	for _, r := range g.routes {
		short, _, err := accessText(r.Access)
		if err != nil {
			return err
		}
		fmt.Fprintf(b, "| %s | [`%s`](#%s) | %s | %s |\n", r.Method, r.Path, g.anchor(routeHeading(r)), short, escape(r.Summary))
	}
	b.WriteString("\n")
	for _, r := range g.routes {
		short, long, _ := accessText(r.Access)
		fmt.Fprintf(b, "### %s\n\n%s\n\n", routeHeading(r), escape(r.Summary))
		fmt.Fprintf(b, "- Access: %s, %s\n", short, long)
		fmt.Fprintf(b, "- Success: `%d %s`\n\n", r.Status, http.StatusText(r.Status))
		if err := g.body(b, "Request", r.Request, "none."); err != nil {
			return fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
		none := "not JSON; see the summary."
		if r.Status == http.StatusNoContent {
			none = "none."
		}
		if err := g.body(b, "Response", r.Response, none); err != nil {
			return fmt.Errorf("%s %s: %w", r.Method, r.Path, err)
		}
	}
	return nil
}
