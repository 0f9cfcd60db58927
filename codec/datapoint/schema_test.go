package datapoint

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
)

func TestParseProduct(t *testing.T) {
	p := loadProduct(t, "s4") // has a "ui" key, which must be ignored
	if p.Name != "demo lamp" || p.ProtocolType != ProtocolStandard || p.PacketVersion != "0x00000004" ||
		len(p.Entities) != 1 || len(p.Entities[0].Attrs) != 5 {
		t.Fatalf("unexpected product %+v", p)
	}
	a := p.Entities[0].Attrs[2]
	if a.Name != "Motor_Speed" || a.UintSpec == nil || a.UintSpec.Addition != -5 || a.Position.ByteOffset != 1 {
		t.Errorf("attr 2 = %+v", a)
	}
}

func TestParseProductErrors(t *testing.T) {
	tests := []struct {
		name, json, reason string
	}{
		{"not JSON", `{"name":`, "not a JSON product definition"},
		{"array", `[]`, "not a JSON product definition"},
		{"wrong field type", `{"protocolType":"standard","entities":[{"attrs":[{"id":"zero"}]}]}`, "not a JSON product definition"},
		{"fractional min", `{"protocolType":"standard","entities":[{"attrs":[{"name":"a","uint_spec":{"min":0.5}}]}]}`, "not a JSON product definition"},
		{"no protocolType", `{"entities":[{"attrs":[{"name":"a"}]}]}`, "protocolType"},
		{"unknown protocolType", `{"protocolType":"fixed","entities":[{"attrs":[{"name":"a"}]}]}`, "protocolType"},
		{"no entities", `{"protocolType":"standard"}`, "no entities"},
		{"empty entities", `{"protocolType":"standard","entities":[]}`, "no entities"},
		{"two entities", `{"protocolType":"standard","entities":[{"attrs":[{}]},{"attrs":[{}]}]}`, "more than one entity"},
		{"no attrs", `{"protocolType":"var_len","entities":[{"id":0}]}`, "no attrs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseProduct([]byte(tt.json))
			var se *SchemaError
			if !errors.Is(err, ErrInvalidSchema) || !errors.As(err, &se) || !strings.Contains(se.Reason, tt.reason) {
				t.Fatalf("err = %v, want a SchemaError about %q", err, tt.reason)
			}
		})
	}
	_, err := ParseProduct([]byte(`{"name":`))
	var syntax *json.SyntaxError
	var typeErr *json.UnmarshalTypeError
	if !errors.As(err, &syntax) && !errors.As(err, &typeErr) {
		t.Errorf("the JSON error is not reachable through %v", err)
	}
}

// base returns a small valid fixed-length product to break in one place.
func base() *Product {
	return &Product{ProtocolType: ProtocolStandard, Entities: []Entity{{Attrs: []Attr{
		{Name: "on", DataType: "bool", Type: "status_writable", Position: Position{Len: 1, Unit: "bit"}},
		{Name: "mode", DataType: "enum", Type: "status_writable", Enum: []string{"a", "b", "c"}, Position: Position{BitOffset: 1, Len: 2, Unit: "bit"}},
		{Name: "level", DataType: "uint8", Type: "status_readonly", UintSpec: &UintSpec{Max: 100, Ratio: 1}, Position: Position{ByteOffset: 1, Len: 1, Unit: "byte"}},
		{Name: "blob", DataType: "binary", Type: "status_readonly", Position: Position{ByteOffset: 2, Len: 3, Unit: "byte"}},
		{Name: "alarm", DataType: "bool", Type: "alert", Position: Position{ByteOffset: 5, Len: 1, Unit: "bit"}},
	}}}}
}

func TestCompileRejects(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(a []Attr)
		attr   int
		reason string
	}{
		{"empty name", func(a []Attr) { a[2].Name = "" }, 2, "empty name"},
		{"duplicate name", func(a []Attr) { a[2].Name = "on" }, 2, "duplicate name"},
		{"unknown data_type", func(a []Attr) { a[2].DataType = "int8" }, 2, "unknown data_type"},
		{"missing data_type", func(a []Attr) { a[0].DataType = "" }, 0, "unknown data_type"},
		{"unknown type", func(a []Attr) { a[0].Type = "writable" }, 0, "type must be"},
		{"abbreviated type", func(a []Attr) { a[0].Type = "W" }, 0, "type must be"},
		{"bool len 2", func(a []Attr) { a[0].Position.Len = 2 }, 0, "bool must have len 1"},
		{"bool in bytes", func(a []Attr) { a[0].Position.Unit = "byte" }, 0, `unit "bit"`},
		{"enum without labels", func(a []Attr) { a[1].Enum = nil }, 1, "without labels"},
		{"enum labels beyond bits", func(a []Attr) { a[1].Enum = []string{"a", "b", "c", "d", "e"} }, 1, "do not fit in 2 bits"},
		{"enum duplicate label", func(a []Attr) { a[1].Enum = []string{"a", "a"} }, 1, "duplicate enum label"},
		{"enum too wide", func(a []Attr) { a[1].Position.Len = 33 }, 1, "enum len must be"},
		{"uint8 len 2", func(a []Attr) { a[2].Position.Len = 2 }, 2, "uint8 must have len 1"},
		{"uint16 len 4", func(a []Attr) { a[2].DataType = "uint16"; a[2].Position.Len = 4 }, 2, "uint16 must have len 2"},
		{"uint in bits", func(a []Attr) { a[2].Position.Unit = "bit" }, 2, `unit "byte"`},
		{"ratio 0", func(a []Attr) { a[2].UintSpec.Ratio = 0 }, 2, "ratio"},
		{"ratio huge", func(a []Attr) { a[2].UintSpec.Ratio = 1e307 }, 2, "overflow"},
		{"addition huge", func(a []Attr) { a[2].UintSpec.Ratio, a[2].UintSpec.Addition = 1e300, math.MaxFloat64 }, 2, "overflow"},
		{"min above max", func(a []Attr) { a[2].UintSpec.Min = 101 }, 2, "min..max"},
		{"negative min", func(a []Attr) { a[2].UintSpec.Min = -1 }, 2, "min..max"},
		{"max beyond width", func(a []Attr) { a[2].UintSpec.Max = 256 }, 2, "min..max"},
		{"binary len 0", func(a []Attr) { a[3].Position.Len = 0 }, 3, "binary len"},
		{"binary too long", func(a []Attr) { a[3].Position.Len = MaxBinaryLen + 1 }, 3, "binary len"},
		{"alert not bool", func(a []Attr) { a[4].DataType = "uint8"; a[4].Position = Position{ByteOffset: 5, Len: 1} }, 4, "alert datapoints must be bool"},
		{"fault enum", func(a []Attr) {
			a[4].Type, a[4].DataType, a[4].Enum = "fault", "enum", []string{"x"}
		}, 4, "fault datapoints must be bool"},
		{"value at the wrong byte", func(a []Attr) { a[3].Position.ByteOffset = 3 }, 3, "disagrees with the layout"},
		{"gap before a value", func(a []Attr) { a[2].Position.ByteOffset = 2; a[3].Position.ByteOffset = 3 }, 2, "disagrees"},
		{"bit at the wrong index", func(a []Attr) { a[1].Position.BitOffset = 2 }, 1, "bit 1 of the bit region at byte 0"},
		{"alert in the writable region", func(a []Attr) { a[4].Position.ByteOffset = 0 }, 4, "disagrees"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.edit(p.Entities[0].Attrs)
			_, err := Compile(p)
			var se *SchemaError
			if !errors.Is(err, ErrInvalidSchema) || !errors.As(err, &se) {
				t.Fatalf("err = %v, want a *SchemaError", err)
			}
			if se.Index != tt.attr || !strings.Contains(se.Reason, tt.reason) {
				t.Errorf("err = %v; want attr %d, reason containing %q", err, tt.attr, tt.reason)
			}
		})
	}
	if _, err := Compile(nil); !errors.Is(err, ErrInvalidSchema) {
		t.Errorf("Compile(nil) = %v", err)
	}
	if _, err := Compile(&Product{ProtocolType: ProtocolVarLen}); !errors.Is(err, ErrInvalidSchema) {
		t.Errorf("Compile without entities = %v", err)
	}
}

func TestSchemaErrorMessage(t *testing.T) {
	p := base()
	p.Entities[0].Attrs[2].UintSpec.Ratio = 0
	_, err := Compile(p)
	want := `datapoint: invalid product definition: attr 2 ("level"): uint_spec ratio must be a non-zero number`
	if err == nil || err.Error() != want {
		t.Errorf("Error() = %v\nwant       %s", err, want)
	}
}

func TestCompileAccepts(t *testing.T) {
	tests := []struct {
		name string
		edit func(p *Product)
	}{
		{"as is", func(p *Product) {}},
		{"positions all zero", func(p *Product) {
			for i := range p.Entities[0].Attrs {
				p.Entities[0].Attrs[i].Position.ByteOffset, p.Entities[0].Attrs[i].Position.BitOffset = 0, 0
			}
		}},
		{"var_len ignores offsets", func(p *Product) {
			p.ProtocolType = ProtocolVarLen
			p.Entities[0].Attrs[3].Position.ByteOffset = 42
		}},
		{"byte value bit_offset ignored", func(p *Product) { p.Entities[0].Attrs[2].Position.BitOffset = 3 }},
		{"len and unit omitted", func(p *Product) {
			for i := range p.Entities[0].Attrs {
				if p.Entities[0].Attrs[i].DataType != "binary" {
					p.Entities[0].Attrs[i].Position.Len, p.Entities[0].Attrs[i].Position.Unit = 0, ""
				}
			}
		}},
		{"no uint_spec", func(p *Product) { p.Entities[0].Attrs[2].UintSpec = nil }},
		{"fractional ratio and addition", func(p *Product) {
			p.Entities[0].Attrs[2].UintSpec = &UintSpec{Max: 255, Ratio: 0.01, Addition: -1.5}
		}},
		{"ids out of order", func(p *Product) { p.Entities[0].Attrs[0].ID, p.Entities[0].Attrs[1].ID = 7, 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := base()
			tt.edit(p)
			if _, err := Compile(p); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCompileDefaults(t *testing.T) {
	p := base()
	a := p.Entities[0].Attrs
	a[1].Position.Len = 0 // enum width from its three labels: 2 bits
	a[2].UintSpec = nil
	a[2].DataType, a[2].Position.Len = "uint32", 4
	for i := range a {
		a[i].Position.ByteOffset, a[i].Position.BitOffset = 0, 0
	}
	s, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	mode, level := s.Field(1), s.Field(2)
	if mode.BitLen != 2 || mode.Min != 0 || mode.Max != 2 || mode.Ratio != 1 {
		t.Errorf("mode = %+v", mode)
	}
	if level.ByteLen != 4 || level.Min != 0 || level.Max != 1<<32-1 || level.Ratio != 1 || level.Addition != 0 {
		t.Errorf("level = %+v", level)
	}
}

// TestLampLayout pins demo-lamp's computed layout to the offsets its JSON
// states (notes §3.2 order).
func TestLampLayout(t *testing.T) {
	s := loadSchema(t, "lamp")
	if s.VarLen() || s.StatusLen() != 9 || s.NumFields() != 9 {
		t.Fatalf("VarLen %v StatusLen %d NumFields %d", s.VarLen(), s.StatusLen(), s.NumFields())
	}
	want := []struct {
		name            string
		kind            Kind
		access          Access
		byteOff, bitOff int
		bitLen, byteLen int
		min, max        int64
		ratio, addition float64
	}{
		{"LED_OnOff", KindBool, AccessWritable, 0, 0, 1, 0, 0, 1, 1, 0},
		{"LED_Color", KindEnum, AccessWritable, 0, 1, 2, 0, 0, 3, 1, 0},
		{"LED_R", KindUint, AccessWritable, 1, 0, 0, 1, 0, 254, 1, 0},
		{"Motor_Speed", KindUint, AccessWritable, 2, 0, 0, 2, 0, 10, 1, -5},
		{"Infrared", KindBool, AccessReadOnly, 4, 0, 1, 0, 0, 1, 1, 0},
		{"Temperature", KindUint, AccessReadOnly, 5, 0, 0, 1, 0, 160, 0.5, -20},
		{"Humidity", KindUint, AccessReadOnly, 6, 0, 0, 1, 0, 100, 1, 0},
		{"Alert_Overheat", KindBool, AccessAlert, 7, 0, 1, 0, 0, 1, 1, 0},
		{"Fault_LED", KindBool, AccessFault, 8, 0, 1, 0, 0, 1, 1, 0},
	}
	for i, f := range s.Fields() {
		w := want[i]
		if f.Index != i || f.ID != i || f.Name != w.name || f.Kind != w.kind || f.Access != w.access ||
			f.ByteOffset != w.byteOff || f.BitOffset != w.bitOff || f.BitLen != w.bitLen || f.ByteLen != w.byteLen ||
			f.Min != w.min || f.Max != w.max || f.Ratio != w.ratio || f.Addition != w.addition {
			t.Errorf("field %d = %+v\nwant %+v", i, f, w)
		}
		if j, ok := s.Lookup(w.name); !ok || j != i {
			t.Errorf("Lookup(%s) = %d, %v", w.name, j, ok)
		}
	}
	if _, ok := s.Lookup("nope"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

func TestVarLenSchema(t *testing.T) {
	s := loadSchema(t, "fan")
	if !s.VarLen() || s.StatusLen() != 0 {
		t.Errorf("VarLen %v StatusLen %d", s.VarLen(), s.StatusLen())
	}
	for _, f := range s.Fields() {
		if f.ByteOffset != 0 || f.BitOffset != 0 {
			t.Errorf("%s has a fixed layout %d/%d in a var_len product", f.Name, f.ByteOffset, f.BitOffset)
		}
	}
}

func TestWideBitRegionSpellings(t *testing.T) {
	// Each spelling of "bit 9 of the 2-byte region at byte 0" is accepted.
	for _, pos := range [][2]int{{0, 9}, {1, 9}, {1, 1}, {0, 1}} {
		p := loadProduct(t, "wide")
		p.Entities[0].Attrs[9].Position.ByteOffset = pos[0]
		p.Entities[0].Attrs[9].Position.BitOffset = pos[1]
		if _, err := Compile(p); err != nil {
			t.Errorf("byte_offset %d bit_offset %d: %v", pos[0], pos[1], err)
		}
	}
	p := loadProduct(t, "wide")
	p.Entities[0].Attrs[9].Position.BitOffset = 10
	if _, err := Compile(p); !errors.Is(err, ErrInvalidSchema) {
		t.Errorf("bit_offset 10 for bit 9 accepted")
	}
}

func TestFieldsReturnsACopy(t *testing.T) {
	s := loadSchema(t, "lamp")
	f := s.Fields()
	f[0].Name = "changed"
	if s.Field(0).Name != "LED_OnOff" {
		t.Error("Fields exposes the schema's own slice")
	}
}

func TestKindAndAccessStrings(t *testing.T) {
	for k, want := range map[Kind]string{KindBool: "bool", KindEnum: "enum", KindUint: "uint", KindBinary: "binary", 0: "Kind(?)"} {
		if k.String() != want {
			t.Errorf("Kind(%d) = %s", k, k)
		}
	}
	for a, want := range map[Access]string{AccessWritable: "status_writable", AccessReadOnly: "status_readonly", AccessAlert: "alert", AccessFault: "fault", 0: "Access(?)", 9: "Access(?)"} {
		if a.String() != want {
			t.Errorf("Access(%d) = %s", a, a)
		}
	}
}

func TestSchemaIndependentOfProduct(t *testing.T) {
	p := base()
	s, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	p.Entities[0].Attrs[1].Enum[0] = "changed"
	p.Entities[0].Attrs[0].Name = "changed"
	if s.Field(1).Enum[0] != "a" || s.Field(0).Name != "on" {
		t.Error("editing the Product after Compile changed the Schema")
	}
}
