package gizws_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"slices"
	"sort"
	"strconv"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
)

// TestCommandsListsEveryParsedCommand ties Commands(), which the security
// suite (server/securitytest) builds its /ws/app/v1 rows from, to the
// commands ParseMessage accepts: a command added to the parser's switch
// without being listed would otherwise never get an authorization row.
func TestCommandsListsEveryParsedCommand(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "parse.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{} // identifier -> string value
	var parsed []string
	for _, d := range f.Decls {
		switch d := d.(type) {
		case *ast.GenDecl:
			for _, s := range d.Specs {
				vs, ok := s.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, n := range vs.Names {
					if i < len(vs.Values) {
						if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
							consts[n.Name], _ = strconv.Unquote(lit.Value)
						}
					}
				}
			}
		case *ast.FuncDecl:
			if d.Name.Name != "ParseMessage" {
				continue
			}
			ast.Inspect(d.Body, func(n ast.Node) bool {
				sw, ok := n.(*ast.SwitchStmt)
				if !ok {
					return true
				}
				if tag, ok := sw.Tag.(*ast.Ident); !ok || tag.Name != "cmd" {
					return true
				}
				for _, c := range sw.Body.List {
					for _, e := range c.(*ast.CaseClause).List {
						switch e := e.(type) {
						case *ast.Ident:
							parsed = append(parsed, e.Name)
						case *ast.BasicLit:
							v, _ := strconv.Unquote(e.Value)
							parsed = append(parsed, strconv.Quote(v))
							consts[strconv.Quote(v)] = v
						}
					}
				}
				return false
			})
		}
	}
	var want []string
	for _, id := range parsed {
		v, ok := consts[id]
		if !ok {
			t.Fatalf("case %s of ParseMessage is not a string constant of parse.go", id)
		}
		want = append(want, v)
	}
	if len(want) == 0 {
		t.Fatal("found no command in ParseMessage's switch on cmd: the check proves nothing")
	}
	got := gizws.Commands()
	sort.Strings(want)
	sort.Strings(got)
	if !slices.Equal(got, want) {
		t.Errorf("Commands() = %v, ParseMessage accepts %v", got, want)
	}
}
