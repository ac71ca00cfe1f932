package apidoc

import (
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// Reading the api and problem packages' source: doc comments and the status
// table.

// parseTypeDocs reads the doc comments of the types in file and of their fields
// (a field's doc comment, else its trailing line comment).
func parseTypeDocs(file string) (map[string]*typeDoc, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, file, nil, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %w", err)
	}
	// go/doc takes the doc comments off the AST, so read the fields first.
	fieldDocs := map[string]map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			ts := s.(*ast.TypeSpec)
			st, ok := ts.Type.(*ast.StructType)
			if !ok {
				continue
			}
			fields := map[string]string{}
			for _, fl := range st.Fields.List {
				text := fl.Doc.Text()
				if strings.TrimSpace(text) == "" {
					text = fl.Comment.Text()
				}
				names := fl.Names
				if len(names) == 0 { // embedded: named after its type
					names = []*ast.Ident{{Name: embeddedName(fl.Type)}}
				}
				for _, n := range names {
					fields[n.Name] = oneLine(text)
				}
			}
			fieldDocs[ts.Name.Name] = fields
		}
	}
	p, err := doc.NewFromFiles(fset, []*ast.File{f}, apiPkgPath, doc.PreserveAST)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %w", err)
	}
	out := map[string]*typeDoc{}
	for _, t := range p.Types {
		out[t.Name] = &typeDoc{doc: oneLine(t.Doc), fields: fieldDocs[t.Name]}
	}
	return out, nil
}

func embeddedName(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name
	case *ast.StarExpr:
		return embeddedName(t.X)
	case *ast.SelectorExpr:
		return t.Sel.Name
	}
	return ""
}

// parseStatuses reads the api's problem kind → HTTP status table (statusOf in
// errors.go) and the kinds' comments in the problem package.
func parseStatuses(errorsFile, problemDir string) ([]kindStatus, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, errorsFile, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %w", err)
	}
	var table *ast.CompositeLit
	ast.Inspect(f, func(n ast.Node) bool {
		vs, ok := n.(*ast.ValueSpec)
		if !ok {
			return true
		}
		for i, name := range vs.Names {
			if name.Name == "statusOf" && i < len(vs.Values) {
				table, _ = vs.Values[i].(*ast.CompositeLit)
			}
		}
		return false
	})
	if table == nil {
		return nil, fmt.Errorf("apidoc: %s has no statusOf map literal of problem kinds to HTTP statuses", errorsFile)
	}
	meanings, err := parseKinds(problemDir)
	if err != nil {
		return nil, err
	}
	var out []kindStatus
	for _, e := range table.Elts {
		kv, ok := e.(*ast.KeyValueExpr)
		if !ok {
			return nil, fmt.Errorf("apidoc: statusOf: unexpected element at %s", fset.Position(e.Pos()))
		}
		kind := embeddedName(kv.Key)
		status, err := statusValue(kv.Value)
		if err != nil {
			return nil, fmt.Errorf("apidoc: statusOf[%s]: %w", kind, err)
		}
		meaning, ok := meanings[kind]
		if !ok {
			return nil, fmt.Errorf("apidoc: statusOf: %s is not a problem.Kind constant", kind)
		}
		out = append(out, kindStatus{status: status, kind: kind, meaning: meaning})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].status != out[j].status {
			return out[i].status < out[j].status
		}
		return out[i].kind < out[j].kind
	})
	return out, nil
}

// parseKinds reads the Kind constants of the problem package and their
// comments, without the leading "400: ".
func parseKinds(dir string) (map[string]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("apidoc: %w", err)
	}
	out := map[string]string{}
	fset := token.NewFileSet()
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, fmt.Errorf("apidoc: %w", err)
		}
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.CONST {
				continue
			}
			isKind := false // an iota block: the type is named on its first spec
			for _, s := range gd.Specs {
				vs := s.(*ast.ValueSpec)
				if vs.Type != nil {
					id, ok := vs.Type.(*ast.Ident)
					isKind = ok && id.Name == "Kind"
				}
				if !isKind {
					continue
				}
				text := oneLine(vs.Doc.Text())
				if text == "" {
					text = oneLine(vs.Comment.Text())
				}
				if code, rest, ok := strings.Cut(text, ":"); ok {
					if _, err := strconv.Atoi(code); err == nil {
						text = strings.TrimSpace(rest)
					}
				} else if _, err := strconv.Atoi(text); err == nil {
					text = ""
				}
				for _, name := range vs.Names {
					out[name.Name] = text
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("apidoc: no Kind constants in %s", dir)
	}
	return out, nil
}

// statusCodes maps net/http's constant names to their values.
var statusCodes = func() map[string]int {
	m := map[string]int{}
	for c := 100; c < 600; c++ {
		t := http.StatusText(c)
		if t == "" {
			continue
		}
		name := strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, t)
		m["Status"+name] = c
	}
	return m
}()

func statusValue(e ast.Expr) (int, error) {
	switch v := e.(type) {
	case *ast.BasicLit:
		return strconv.Atoi(v.Value)
	case *ast.SelectorExpr:
		if c, ok := statusCodes[v.Sel.Name]; ok {
			return c, nil
		}
		return 0, fmt.Errorf("unknown status constant %s", v.Sel.Name)
	}
	return 0, fmt.Errorf("status is not a constant")
}

// oneLine joins a comment's lines into one.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// escape makes text safe in a Markdown table cell and paragraph: outside code
// spans "<" and ">" would start HTML, and "|" ends a cell everywhere.
func escape(s string) string {
	parts := strings.Split(s, "`")
	for i, p := range parts {
		if i%2 == 0 {
			p = strings.NewReplacer("<", "&lt;", ">", "&gt;", "*", `\*`).Replace(p)
		}
		parts[i] = strings.ReplaceAll(p, "|", `\|`)
	}
	return strings.Join(parts, "`")
}
