package datapoint

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"testing"
)

// Property tests with a fixed seed, so a failure reproduces.

// actionsFor lists the datapoint actions of a schema's protocol type.
func actionsFor(s *Schema) []byte {
	if s.VarLen() {
		return []byte{ActionVarWrite, ActionVarRead, ActionVarReadReply, ActionVarReport, ActionTransparentToDevice}
	}
	return []byte{ActionWrite, ActionRead, ActionReadReply, ActionReport, ActionTransparentFromDevice}
}

// randomWireValue returns any value field i's wire slot can hold, enum
// indexes past the labels and numbers outside uint_spec included.
func randomWireValue(rng *rand.Rand, s *Schema, i int) Value {
	f := &s.fields[i]
	if f.Kind == KindBinary {
		b := make([]byte, rng.IntN(f.ByteLen+1)) // short values are zero-padded
		for j := range b {
			b[j] = byte(rng.UintN(256))
		}
		return Value{Bytes: b}
	}
	return Value{Raw: rng.Uint64N(s.info[i].maxRaw + 1)}
}

// randomMessage builds a message Append accepts for action.
func randomMessage(rng *rand.Rand, s *Schema, action byte) *Message {
	m := s.NewMessage(action)
	if action == ActionTransparentToDevice || action == ActionTransparentFromDevice {
		m.Transparent = make([]byte, rng.IntN(20))
		return m
	}
	for i := range s.fields {
		switch action {
		case ActionReport, ActionReadReply, ActionRead:
			m.Present[i] = true
		case ActionWrite, ActionVarWrite:
			m.Present[i] = s.fields[i].Writable() && rng.IntN(2) == 0
		default:
			m.Present[i] = rng.IntN(2) == 0
		}
		if m.Present[i] && action != ActionRead && action != ActionVarRead {
			m.Values[i] = randomWireValue(rng, s, i)
		}
	}
	return m
}

// sameMessage compares what Decode must reproduce: Present, and Values of
// present fields with binaries zero-padded to their length.
func sameMessage(s *Schema, a, b *Message) error {
	if a.Action != b.Action || !bytes.Equal(a.Transparent, b.Transparent) {
		return fmt.Errorf("action %#x/%#x transparent %x/%x", a.Action, b.Action, a.Transparent, b.Transparent)
	}
	for i := range s.fields {
		if a.Present[i] != b.Present[i] {
			return fmt.Errorf("field %s: present %v/%v", s.fields[i].Name, a.Present[i], b.Present[i])
		}
		if !a.Present[i] || a.Action == ActionRead || a.Action == ActionVarRead {
			continue
		}
		va, vb := a.Values[i], b.Values[i]
		if s.fields[i].Kind == KindBinary {
			pa := append(append([]byte(nil), va.Bytes...), make([]byte, s.fields[i].ByteLen-len(va.Bytes))...)
			pb := append(append([]byte(nil), vb.Bytes...), make([]byte, s.fields[i].ByteLen-len(vb.Bytes))...)
			if !bytes.Equal(pa, pb) {
				return fmt.Errorf("field %s: %x/%x", s.fields[i].Name, va.Bytes, vb.Bytes)
			}
		} else if va.Raw != vb.Raw {
			return fmt.Errorf("field %s: %d/%d", s.fields[i].Name, va.Raw, vb.Raw)
		}
	}
	return nil
}

// checkRoundTrip: Decode(Append(m)) == m and Append(Decode(b)) == b.
func checkRoundTrip(t *testing.T, s *Schema, m *Message) {
	t.Helper()
	b, err := s.Append(nil, m)
	if err != nil {
		t.Fatalf("Append: %v", err)
	}
	got := s.NewMessage(0)
	if err := s.Decode(b, got); err != nil {
		t.Fatalf("Decode(%x): %v", b, err)
	}
	if err := sameMessage(s, m, got); err != nil {
		t.Fatalf("Decode(Append(m)) differs: %v\npayload %x", err, b)
	}
	if again, err := s.Append(nil, got); err != nil || !bytes.Equal(again, b) {
		t.Fatalf("Append(Decode(%x)) = %x, %v", b, again, err)
	}
}

func TestWireRoundTripExampleSchemas(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	for name := range schemaFiles {
		s := loadSchema(t, name)
		t.Run(name, func(t *testing.T) {
			for n := 0; n < 2000; n++ {
				actions := actionsFor(s)
				checkRoundTrip(t, s, randomMessage(rng, s, actions[rng.IntN(len(actions))]))
			}
		})
	}
}

// randomProduct makes a valid definition with up to 40 attrs of random
// kinds, so regions and segments of several bytes get exercised.
func randomProduct(rng *rand.Rand, varLen bool) *Product {
	p := &Product{ProtocolType: ProtocolStandard}
	if varLen {
		p.ProtocolType = ProtocolVarLen
	}
	var attrs []Attr
	for i := range 1 + rng.IntN(40) {
		a := Attr{ID: i, Name: fmt.Sprintf("p%d", i), Type: []string{"status_writable", "status_readonly", "alert", "fault"}[rng.IntN(4)]}
		kind := rng.IntN(4)
		if a.Type == "alert" || a.Type == "fault" {
			kind = 0
		}
		switch kind {
		case 0:
			a.DataType = "bool"
		case 1:
			a.DataType = "enum"
			a.Position.Len = 1 + rng.IntN(5)
			for j := range 1 + rng.IntN(1<<a.Position.Len) {
				a.Enum = append(a.Enum, fmt.Sprint("e", j))
			}
		case 2:
			a.DataType = []string{"uint8", "uint16", "uint32"}[rng.IntN(3)]
			top := widthMax(uintWidth(a.DataType))
			lo := rng.Int64N(top + 1)
			a.UintSpec = &UintSpec{Min: lo, Max: lo + rng.Int64N(top-lo+1),
				Ratio: []float64{1, 0.1, 0.5, 0.01, 2, 0.25}[rng.IntN(6)], Addition: []float64{0, -30, 12.5, -0.75}[rng.IntN(4)]}
		case 3:
			a.DataType = "binary"
			a.Position.Len = 1 + rng.IntN(12)
		}
		attrs = append(attrs, a)
	}
	p.Entities = []Entity{{Attrs: attrs}}
	return p
}

func TestWireRoundTripRandomSchemas(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for n := 0; n < 300; n++ {
		p := randomProduct(rng, n%2 == 0)
		s, err := Compile(p)
		if err != nil {
			t.Fatalf("random product %d: %v", n, err)
		}
		for k := 0; k < 50; k++ {
			actions := actionsFor(s)
			checkRoundTrip(t, s, randomMessage(rng, s, actions[rng.IntN(len(actions))]))
		}
	}
}

// TestShownSetRoundTrip: for every raw value in Min..Max, Set(Shown(x))
// gives x back, including through JSON text: what AppendJSON prints, a
// client parses and sends back, is written unchanged.
func TestShownSetRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	var schemas []*Schema
	for name := range schemaFiles {
		schemas = append(schemas, loadSchema(t, name))
	}
	for n := 0; n < 200; n++ {
		s, err := Compile(randomProduct(rng, n%2 == 0))
		if err != nil {
			t.Fatal(err)
		}
		schemas = append(schemas, s)
	}
	for _, s := range schemas {
		action := ActionReport
		if s.VarLen() {
			action = ActionVarReport
		}
		for k := 0; k < 20; k++ {
			m := s.NewMessage(action)
			for i := range s.fields {
				f := &s.fields[i]
				m.Present[i] = true
				switch f.Kind {
				case KindBinary:
					m.Values[i] = randomWireValue(rng, s, i)
				default: // within the API's domain: uint_spec, the labels
					m.Values[i] = Value{Raw: uint64(f.Min + rng.Int64N(f.Max-f.Min+1))}
				}
			}
			for i := range s.fields {
				back := s.NewMessage(action)
				if err := s.Set(back, s.fields[i].Name, s.Shown(i, m.Values[i])); err != nil {
					t.Fatalf("Set(Shown(%v)) for %+v: %v", m.Values[i], s.fields[i], err)
				}
			}
			want, err := s.Append(nil, m)
			if err != nil {
				t.Fatal(err)
			}
			var attrs map[string]any
			text := s.AppendJSON(nil, m)
			if err := json.Unmarshal(text, &attrs); err != nil {
				t.Fatalf("AppendJSON wrote invalid JSON %s: %v", text, err)
			}
			back := s.NewMessage(action)
			for name, v := range attrs {
				if err := s.Set(back, name, v); err != nil {
					t.Fatalf("Set(%s, %v) from %s: %v", name, v, text, err)
				}
			}
			got, err := s.Append(nil, back)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("JSON round trip of %s: %x, %v; want %x", text, got, err, want)
			}
		}
	}
}
