package datapoint

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

// FuzzSet writes an arbitrary JSON value into an arbitrary field of the
// two example products, as the adapters do with a client's attrs. Seeds
// live in testdata/fuzz/FuzzSet/. Properties:
//
//   - Set never panics; it fails only with a *FieldError naming the field
//     whose Detail is one clean line (no package prefix, no newline);
//   - nothing is rounded: an accepted number is shown again as itself
//     (within float noise), an accepted bool was a JSON bool, and the
//     shown value of what was stored is accepted again with the same raw
//     value.
func FuzzSet(f *testing.F) {
	schemas := map[bool]*Schema{false: loadSchema(f, "lamp"), true: loadSchema(f, "fan")}
	f.Fuzz(func(t *testing.T, varLen bool, field uint8, value []byte) {
		s := schemas[varLen]
		var v any
		if json.Unmarshal(value, &v) != nil {
			return
		}
		fields := s.Fields()
		name := fields[int(field)%len(fields)].Name
		if field >= 128 {
			name = string(value) // also unknown names
		}
		m := s.NewMessage(ActionReport)
		if varLen {
			m = s.NewMessage(ActionVarReport)
		}
		err := s.Set(m, name, v)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != name {
				t.Fatalf("Set(%q, %s) = %T %v", name, value, err, err)
			}
			if d := fe.Detail(); strings.Contains(d, "datapoint:") || strings.ContainsAny(d, "\n\r") || !strings.HasPrefix(d, shownName(name)) {
				t.Fatalf("Detail %q", d)
			}
			return
		}
		i, _ := s.Lookup(name)
		fd := s.Field(i)
		shown := s.Shown(i, m.Values[i])
		switch fd.Kind {
		case KindBool:
			if _, ok := v.(bool); !ok {
				t.Fatalf("bool %s accepted from %T", name, v)
			}
		case KindUint:
			y := v.(float64)
			if d := math.Abs(shown.(float64) - y); d > 1e-6*(1+math.Abs(y)) {
				t.Fatalf("%s: %v stored as %v", name, y, shown)
			}
		}
		again := s.NewMessage(m.Action)
		if fd.Kind == KindBinary {
			shown = append([]byte(nil), shown.([]byte)...)
		}
		if err := s.Set(again, name, shown); err != nil || again.Values[i].Raw != m.Values[i].Raw {
			t.Fatalf("%s: shown value %v not accepted back: %v", name, shown, err)
		}
	})
}
