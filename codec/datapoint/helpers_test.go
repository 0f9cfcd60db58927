package datapoint

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// schemaFiles names the definitions tests use: the two example products
// the project ships and the shapes from the notes kept in testdata.
var schemaFiles = map[string]string{
	"lamp": "../../examples/products/demo-lamp.json",       // fixed, 9-byte dev_status
	"fan":  "../../examples/products/demo-fan-varlen.json", // var_len, 9 points
	"s4":   "testdata/notes-s4-lamp.json",                  // fixed, notes §4 example
	"wide": "testdata/fixed-wide-bits.json",                // fixed, 2-byte bit region
	"oe5":  "testdata/oe-write-5-points.json",              // var_len, [oe] write shape
	"oe10": "testdata/oe-report-10-points.json",            // var_len, [oe] report shape
}

func loadProduct(t testing.TB, name string) *Product {
	t.Helper()
	data, err := os.ReadFile(filepath.FromSlash(schemaFiles[name]))
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseProduct(data)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

func loadSchema(t testing.TB, name string) *Schema {
	t.Helper()
	s, err := Compile(loadProduct(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// unhex decodes a hex fixture, ignoring spaces.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad fixture %q: %v", s, err)
	}
	return b
}

// setAll sets every attr of a JSON object the way the WebSocket layer does.
func setAll(t testing.TB, s *Schema, m *Message, attrsJSON string) {
	t.Helper()
	var attrs map[string]any
	if err := json.Unmarshal([]byte(attrsJSON), &attrs); err != nil {
		t.Fatalf("bad attrs %s: %v", attrsJSON, err)
	}
	for name, v := range attrs {
		if err := s.Set(m, name, v); err != nil {
			t.Fatalf("Set(%s, %v): %v", name, v, err)
		}
	}
}

// presentNames lists the Present fields of m.
func presentNames(s *Schema, m *Message) []string {
	var names []string
	for i, p := range m.Present {
		if p {
			names = append(names, s.fields[i].Name)
		}
	}
	return names
}
