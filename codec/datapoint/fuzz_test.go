package datapoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzSchemaDecode decodes arbitrary payloads with the two example
// products (varLen selects demo-fan-varlen.json, else demo-lamp.json).
// Seeds live in testdata/fuzz/FuzzSchemaDecode/. Properties:
//
//   - Decode never panics and fails only with the package's typed errors;
//   - a decoded message re-encodes to the input except for the bits
//     Decode ignores: Append(Decode(b)) == b & mask, where mask is the
//     encoding of the same Present set with every value at its maximum;
//     for reports without reserved bits set that is b itself;
//   - AppendJSON writes valid JSON and Shown works for every field.
func FuzzSchemaDecode(f *testing.F) {
	schemas := map[bool]*Schema{false: loadSchema(f, "lamp"), true: loadSchema(f, "fan")}
	f.Fuzz(func(t *testing.T, varLen bool, payload []byte) {
		checkDecode(t, schemas[varLen], payload)
	})
}

// checkDecode asserts the decoding properties listed at FuzzSchemaDecode.
func checkDecode(t *testing.T, s *Schema, payload []byte) {
	m := s.NewMessage(0)
	if err := s.Decode(payload, m); err != nil {
		checkTypedError(t, err)
		return
	}
	out, err := s.Append(nil, m)
	if err != nil {
		t.Fatalf("Append(Decode(%x)): %v", payload, err)
	}
	mask, err := s.Append(nil, maxMessage(s, m))
	if err != nil {
		t.Fatalf("mask: %v", err)
	}
	if len(out) != len(payload) || len(mask) != len(payload) {
		t.Fatalf("Append(Decode(%x)) = %x, mask %x: lengths differ", payload, out, mask)
	}
	for i := range payload {
		if out[i] != payload[i]&mask[i] {
			t.Fatalf("Append(Decode(%x)) = %x, want input & %x", payload, out, mask)
		}
	}
	if text := s.AppendJSON(nil, m); !json.Valid(text) {
		t.Fatalf("AppendJSON wrote %s", text)
	}
	for i, p := range m.Present {
		if p {
			_ = s.Shown(i, m.Values[i])
		}
	}
}

// maxMessage copies m's action and Present with every value at its wire
// maximum, so its encoding has a 1 in every bit Decode reads.
func maxMessage(s *Schema, m *Message) *Message {
	mm := s.NewMessage(m.Action)
	copy(mm.Present, m.Present)
	mm.Transparent = bytes.Repeat([]byte{0xff}, len(m.Transparent))
	for i := range s.fields {
		if s.fields[i].Kind == KindBinary {
			mm.Values[i].Bytes = bytes.Repeat([]byte{0xff}, s.fields[i].ByteLen)
		} else {
			mm.Values[i].Raw = s.info[i].maxRaw
		}
	}
	return mm
}

func checkTypedError(t *testing.T, err error) {
	t.Helper()
	var fe *FieldError
	var pe *PayloadError
	if !errors.As(err, &fe) && !errors.As(err, &pe) {
		t.Fatalf("untyped error %T %v", err, err)
	}
	for _, s := range []error{ErrShortPayload, ErrTrailing, ErrUnknownAction, ErrUnknownField, ErrNotWritable} {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("unexpected error %v", err)
}

// FuzzCompile feeds arbitrary definitions and payloads: ParseProduct and
// Compile must not panic and fail only with a *SchemaError, and whatever
// schema they accept must decode the payload under the same properties as
// FuzzSchemaDecode. Seeds in testdata/fuzz/FuzzCompile/.
func FuzzCompile(f *testing.F) {
	f.Fuzz(func(t *testing.T, def []byte, payload []byte) {
		p, err := ParseProduct(def)
		if err == nil {
			var s *Schema
			if s, err = Compile(p); err == nil {
				checkDecode(t, s, payload)
				return
			}
		}
		var se *SchemaError
		if !errors.As(err, &se) || !errors.Is(err, ErrInvalidSchema) {
			t.Fatalf("error %T %v is not a *SchemaError", err, err)
		}
	})
}
