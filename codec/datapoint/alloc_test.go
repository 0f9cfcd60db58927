package datapoint

import (
	"testing"
)

// The hot paths promise no allocations: Decode into a message from
// NewMessage, and Append, AppendJSON and Set once dst and the message
// exist.

func TestDecodeDoesNotAllocate(t *testing.T) {
	for _, fx := range wireFixtures {
		s := loadSchema(t, fx.schema)
		payload := unhex(t, fx.payload)
		m := s.NewMessage(0)
		allocs := testing.AllocsPerRun(100, func() {
			if err := s.Decode(payload, m); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s: Decode allocates %v times", fx.name, allocs)
		}
	}
}

func TestEncodeDoesNotAllocate(t *testing.T) {
	for _, fx := range wireFixtures {
		s := loadSchema(t, fx.schema)
		m := s.NewMessage(0)
		if err := s.Decode(unhex(t, fx.payload), m); err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, 0, 256)
		if n := testing.AllocsPerRun(100, func() { _, _ = s.Append(dst[:0], m) }); n != 0 {
			t.Errorf("%s: Append allocates %v times", fx.name, n)
		}
		if n := testing.AllocsPerRun(100, func() { _ = s.AppendJSON(dst[:0], m) }); n != 0 {
			t.Errorf("%s: AppendJSON allocates %v times", fx.name, n)
		}
	}
}

func TestSetDoesNotAllocate(t *testing.T) {
	s := loadSchema(t, "fan")
	m := s.NewMessage(ActionVarWrite)
	// The values are boxed once, as encoding/json hands them over.
	values := map[string]any{
		"Power": any(true), "Mode": any("turbo"), "Speed": any(55.0), "Timer": any(90.0),
		"Label": any([]any{1.0, 2.0}),
	}
	for name, v := range values {
		if n := testing.AllocsPerRun(100, func() {
			if err := s.Set(m, name, v); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("Set(%s) allocates %v times", name, n)
		}
	}
	if n := testing.AllocsPerRun(100, func() { _ = s.Set(m, "Label", "0a0b0c") }); n != 0 {
		t.Errorf("Set of a hex string allocates %v times", n)
	}
}

// A message from the schema's pool decodes as a new one would: nothing of
// the payload decoded before it went back shows through, and taking one
// from the pool and giving it back allocates nothing.
func TestPooledMessageDecodesAsNew(t *testing.T) {
	for _, fx := range wireFixtures {
		s := loadSchema(t, fx.schema)
		payload := unhex(t, fx.payload)
		want := s.NewMessage(0)
		if err := s.Decode(payload, want); err != nil {
			t.Fatal(err)
		}
		// Dirty a pooled message with every field present, then decode
		// the fixture into the next one taken.
		m := s.GetMessage(0)
		for i := range m.Present {
			m.Present[i], m.Values[i] = true, Value{Raw: 1, Bytes: []byte{9}}
		}
		s.PutMessage(m)
		got := s.GetMessage(want.Action)
		if err := s.Decode(payload, got); err != nil {
			t.Fatal(err)
		}
		if js, wantJS := string(s.AppendJSON(nil, got)), string(s.AppendJSON(nil, want)); js != wantJS {
			t.Errorf("%s: pooled message decodes to %s, a new one to %s", fx.name, js, wantJS)
		}
		s.PutMessage(got)
		if n := testing.AllocsPerRun(100, func() { s.PutMessage(s.GetMessage(0)) }); n != 0 && !raceEnabled {
			t.Errorf("%s: GetMessage/PutMessage allocate %v times", fx.name, n)
		}
	}
}
