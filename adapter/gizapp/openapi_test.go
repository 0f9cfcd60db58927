package gizapp_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
	"github.com/switchboard-iot/switchboard/adapter/gizerr"
)

// The OpenAPI document and the route table describe the same API: every
// registered (method, path) is documented and nothing else is.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(gizapp.OpenAPIDoc, &doc); err != nil {
		t.Fatalf("openapi.json does not parse: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	var documented []string
	for path, item := range doc.Paths {
		for method, raw := range item {
			if method == "parameters" {
				continue
			}
			documented = append(documented, strings.ToUpper(method)+" "+path)
			var op struct {
				Responses map[string]json.RawMessage `json:"responses"`
				Codes     []int                      `json:"x-gizwits-error-codes"`
			}
			if err := json.Unmarshal(raw, &op); err != nil || len(op.Responses) == 0 {
				t.Errorf("%s %s: no responses (%v)", method, path, err)
			}
			for _, c := range op.Codes {
				if !slices.Contains(gizerr.All(), gizerr.Code(c)) {
					t.Errorf("%s %s documents code %d, which gizerr does not have", method, path, c)
				}
			}
		}
	}
	registered := gizapp.RouteKeys()
	slices.Sort(documented)
	slices.Sort(registered)
	if !slices.Equal(documented, registered) {
		t.Fatalf("documented %v\nregistered %v", documented, registered)
	}
}

// Every $ref points at something in the document.
func TestOpenAPIRefsResolve(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(gizapp.OpenAPIDoc, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			if ref, ok := x["$ref"].(string); ok {
				var cur any = doc
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := cur.(map[string]any)
					cur = m[part]
				}
				if cur == nil {
					t.Errorf("unresolved $ref %s", ref)
				}
			}
			for _, e := range x {
				walk(e)
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
}

func TestOpenAPIServed(t *testing.T) {
	e := start(t)
	r := e.do("GET", "/app/openapi.json", nil, nil)
	wantOK(t, r, http.StatusOK)
	if !bytes.Equal(r.body, gizapp.OpenAPIDoc) {
		t.Fatal("served document differs from the embedded one")
	}
}
