package datapoint

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"testing"
)

func TestSet(t *testing.T) {
	lamp, fan := loadSchema(t, "lamp"), loadSchema(t, "fan")
	tests := []struct {
		name   string
		s      *Schema
		action byte
		field  string
		in     any
		raw    uint64 // expected Raw
		bytes  string // expected Bytes (hex) for binaries
		err    error
	}{
		{"bool true", lamp, ActionWrite, "LED_OnOff", true, 1, "", nil},
		{"bool false", lamp, ActionWrite, "LED_OnOff", false, 0, "", nil},
		{"bool from 1.0", lamp, ActionWrite, "LED_OnOff", 1.0, 0, "", ErrType},
		{"bool from json.Number 0", lamp, ActionWrite, "LED_OnOff", json.Number("0"), 0, "", ErrType},
		{"bool from int", lamp, ActionWrite, "LED_OnOff", 1, 0, "", ErrType},
		{"bool from 2", lamp, ActionWrite, "LED_OnOff", 2.0, 0, "", ErrType},
		{"bool from 0.5", lamp, ActionWrite, "LED_OnOff", 0.5, 0, "", ErrType},
		{"bool from string", lamp, ActionWrite, "LED_OnOff", "true", 0, "", ErrType},
		{"bool from nil", lamp, ActionWrite, "LED_OnOff", nil, 0, "", ErrType},

		{"enum label", lamp, ActionWrite, "LED_Color", "pink", 3, "", nil},
		{"enum first label", lamp, ActionWrite, "LED_Color", "custom", 0, "", nil},
		{"enum index", lamp, ActionWrite, "LED_Color", 2.0, 2, "", nil},
		{"enum index int", lamp, ActionWrite, "LED_Color", 1, 1, "", nil},
		{"enum index past labels", lamp, ActionWrite, "LED_Color", 4.0, 0, "", ErrRange},
		{"enum negative index", lamp, ActionWrite, "LED_Color", -1, 0, "", ErrRange},
		{"enum fractional index", lamp, ActionWrite, "LED_Color", 1.5, 0, "", ErrRange},
		{"enum unknown label", lamp, ActionWrite, "LED_Color", "red", 0, "", ErrRange},
		{"enum label wrong case", lamp, ActionWrite, "LED_Color", "Pink", 0, "", ErrRange},
		{"enum from bool", lamp, ActionWrite, "LED_Color", true, 0, "", ErrType},
		{"var enum past labels fits bits", fan, ActionVarWrite, "Mode", 3.0, 0, "", ErrRange},

		{"uint shown with addition", lamp, ActionWrite, "Motor_Speed", 3.0, 8, "", nil},
		{"uint lowest", lamp, ActionWrite, "Motor_Speed", -5.0, 0, "", nil},
		{"uint highest", lamp, ActionWrite, "Motor_Speed", 5, 10, "", nil},
		{"uint json.Number", lamp, ActionWrite, "Motor_Speed", json.Number("-2"), 3, "", nil},
		{"uint int64", lamp, ActionWrite, "Motor_Speed", int64(0), 5, "", nil},
		{"uint uint8", lamp, ActionWrite, "LED_R", uint8(200), 200, "", nil},
		{"uint fraction refused", lamp, ActionWrite, "LED_R", 199.6, 0, "", ErrRange},
		{"uint half refused", lamp, ActionWrite, "LED_R", 3.5, 0, "", ErrRange},
		{"uint integral float", lamp, ActionWrite, "LED_R", 3.0, 3, "", nil},
		{"uint within float tolerance", lamp, ActionWrite, "LED_R", 3.0000000000001, 3, "", nil},
		{"uint above max", lamp, ActionWrite, "Motor_Speed", 6.0, 0, "", ErrRange},
		{"uint below min", lamp, ActionWrite, "Motor_Speed", -6.0, 0, "", ErrRange},
		{"uint spec max below width", lamp, ActionWrite, "LED_R", 255.0, 0, "", ErrRange},
		{"uint NaN", lamp, ActionWrite, "LED_R", math.NaN(), 0, "", ErrRange},
		{"uint +Inf", lamp, ActionWrite, "LED_R", math.Inf(1), 0, "", ErrRange},
		{"uint -Inf", lamp, ActionWrite, "LED_R", math.Inf(-1), 0, "", ErrRange},
		{"uint bad json.Number", lamp, ActionWrite, "LED_R", json.Number("1e"), 0, "", ErrType},
		{"uint from string", lamp, ActionWrite, "LED_R", "3", 0, "", ErrType},
		{"uint from bool", lamp, ActionWrite, "LED_R", true, 0, "", ErrType},
		{"fractional ratio", fan, ActionVarReport, "Temperature", -6.3, 237, "", nil},
		{"fractional ratio off step", fan, ActionVarReport, "Temperature", 25.04, 0, "", ErrRange},
		{"fractional ratio float noise", fan, ActionVarReport, "Temperature", 0.1 + 0.2, 303, "", nil},
		{"fractional ratio step", fan, ActionVarReport, "Temperature", 25.1, 551, "", nil},
		{"fractional ratio lowest", fan, ActionVarReport, "Temperature", -30, 0, "", nil},
		{"fractional ratio highest", fan, ActionVarReport, "Temperature", 70.0, 1000, "", nil},
		{"fractional ratio above", fan, ActionVarReport, "Temperature", 70.1, 0, "", ErrRange},
		{"half ratio", lamp, ActionReport, "Temperature", 25.5, 91, "", nil},
		{"half ratio off step", lamp, ActionReport, "Temperature", 25.25, 0, "", ErrRange},
		{"uint32", fan, ActionVarWrite, "Timer", 1440, 1440, "", nil},
		{"uint32 above max", fan, ActionVarWrite, "Timer", 1441, 0, "", ErrRange},

		{"binary bytes padded", fan, ActionVarWrite, "Label", []byte{1, 2}, 0, "0102000000000000", nil},
		{"binary full", fan, ActionVarWrite, "Label", []byte("ABCDEFGH"), 0, "4142434445464748", nil},
		{"binary empty", fan, ActionVarWrite, "Label", []byte{}, 0, "0000000000000000", nil},
		{"binary hex", fan, ActionVarWrite, "Label", "0a0B", 0, "0a0b000000000000", nil},
		{"binary hex full", fan, ActionVarWrite, "Label", "ffeeddccbbaa9988", 0, "ffeeddccbbaa9988", nil},
		{"binary json array", fan, ActionVarWrite, "Label", []any{1.0, json.Number("255"), 0}, 0, "01ff000000000000", nil},
		{"binary []int", fan, ActionVarWrite, "Label", []int{9, 8, 7}, 0, "0908070000000000", nil},
		{"binary too long", fan, ActionVarWrite, "Label", make([]byte, 9), 0, "", ErrRange},
		{"binary hex too long", fan, ActionVarWrite, "Label", "000102030405060708", 0, "", ErrRange},
		{"binary hex odd", fan, ActionVarWrite, "Label", "abc", 0, "", ErrType},
		{"binary hex bad digit", fan, ActionVarWrite, "Label", "zz", 0, "", ErrType},
		{"binary array element 256", fan, ActionVarWrite, "Label", []any{256.0}, 0, "", ErrRange},
		{"binary array element -1", fan, ActionVarWrite, "Label", []any{-1.0}, 0, "", ErrRange},
		{"binary array element 1.5", fan, ActionVarWrite, "Label", []any{1.5}, 0, "", ErrRange},
		{"binary array element string", fan, ActionVarWrite, "Label", []any{"x"}, 0, "", ErrType},
		{"binary []int element 300", fan, ActionVarWrite, "Label", []int{300}, 0, "", ErrRange},
		{"binary array too long", fan, ActionVarWrite, "Label", []any{0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, "", ErrRange},
		{"binary from number", fan, ActionVarWrite, "Label", 42.0, 0, "", ErrType},

		{"unknown name", lamp, ActionWrite, "Nope", true, 0, "", ErrUnknownField},
		{"name is case sensitive", lamp, ActionWrite, "led_onoff", true, 0, "", ErrUnknownField},
		{"write read-only", lamp, ActionWrite, "Infrared", true, 0, "", ErrNotWritable},
		{"write alert", lamp, ActionWrite, "Alert_Overheat", true, 0, "", ErrNotWritable},
		{"var write read-only", fan, ActionVarWrite, "Temperature", 20.0, 0, "", ErrNotWritable},
		{"var write fault", fan, ActionVarWrite, "Motor_Fault", false, 0, "", ErrNotWritable},
		{"report may set read-only", lamp, ActionReport, "Infrared", true, 1, "", nil},
		{"var report may set fault", fan, ActionVarReport, "Motor_Fault", true, 1, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.s.NewMessage(tt.action)
			err := tt.s.Set(m, tt.field, tt.in)
			if tt.err != nil {
				var fe *FieldError
				if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Field != tt.field {
					t.Fatalf("err = %v, want %v for %s", err, tt.err, tt.field)
				}
				for i, p := range m.Present {
					if p {
						t.Errorf("a failed Set marked field %d present", i)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			i, _ := tt.s.Lookup(tt.field)
			v := m.Values[i]
			if !m.Present[i] || v.Raw != tt.raw || (tt.bytes != "" && !bytes.Equal(v.Bytes, unhex(t, tt.bytes))) {
				t.Errorf("present %v, value {%d %x}; want {%d %s}", m.Present[i], v.Raw, v.Bytes, tt.raw, tt.bytes)
			}
		})
	}
}

func TestSetCopiesBinary(t *testing.T) {
	s := loadSchema(t, "fan")
	m := s.NewMessage(ActionVarWrite)
	in := []byte{1, 2, 3}
	if err := s.Set(m, "Label", in); err != nil {
		t.Fatal(err)
	}
	in[0] = 9
	i, _ := s.Lookup("Label")
	if m.Values[i].Bytes[0] != 1 {
		t.Error("Set kept a reference to the caller's slice")
	}
	// Appending to the value must not run into other storage.
	if c := cap(m.Values[i].Bytes); c != 8 {
		t.Errorf("cap = %d, want 8", c)
	}
}

func TestFailedSetKeepsEarlierBinary(t *testing.T) {
	s := loadSchema(t, "fan")
	m := s.NewMessage(ActionVarWrite)
	if err := s.Set(m, "Label", "0102"); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []any{"01zz", []any{1.0, 2.0, 300.0}, make([]byte, 9)} {
		if err := s.Set(m, "Label", bad); err == nil {
			t.Fatalf("Set(%v) succeeded", bad)
		}
	}
	i, _ := s.Lookup("Label")
	if !bytes.Equal(m.Values[i].Bytes, unhex(t, "0102000000000000")) {
		t.Errorf("Label = %x after failed Sets", m.Values[i].Bytes)
	}
}

func TestShown(t *testing.T) {
	lamp, fan := loadSchema(t, "lamp"), loadSchema(t, "fan")
	idx := func(s *Schema, name string) int { i, _ := s.Lookup(name); return i }
	tests := []struct {
		name string
		s    *Schema
		i    int
		v    Value
		want any
	}{
		{"bool", lamp, idx(lamp, "LED_OnOff"), Value{Raw: 1}, true},
		{"bool off", lamp, idx(lamp, "LED_OnOff"), Value{}, false},
		{"enum label", lamp, idx(lamp, "LED_Color"), Value{Raw: 2}, "purple"},
		{"enum past labels", fan, idx(fan, "Mode"), Value{Raw: 3}, 3.0},
		{"uint addition", lamp, idx(lamp, "Motor_Speed"), Value{Raw: 8}, 3.0},
		{"uint zero not negative", lamp, idx(lamp, "Motor_Speed"), Value{Raw: 5}, 0.0},
		{"uint half ratio", lamp, idx(lamp, "Temperature"), Value{Raw: 91}, 25.5},
		{"0.1*237-30 is -6.3", fan, idx(fan, "Temperature"), Value{Raw: 237}, -6.3},
		{"0.1*1-30", fan, idx(fan, "Temperature"), Value{Raw: 1}, -29.9},
		{"0.1*3", fan, idx(fan, "Temperature"), Value{Raw: 303}, 0.3},
		{"raw past max still shown", lamp, idx(lamp, "Humidity"), Value{Raw: 255}, 255.0},
		{"binary", fan, idx(fan, "Label"), Value{Bytes: []byte{1, 2}}, []byte{1, 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.Shown(tt.i, tt.v)
			switch want := tt.want.(type) {
			case []byte:
				if b, ok := got.([]byte); !ok || !bytes.Equal(b, want) {
					t.Errorf("Shown = %#v, want %#v", got, want)
				}
			case float64:
				if f, ok := got.(float64); !ok || f != want || math.Signbit(f) != math.Signbit(want) {
					t.Errorf("Shown = %#v, want %#v", got, want)
				}
			default:
				if got != want {
					t.Errorf("Shown = %#v, want %#v", got, want)
				}
			}
		})
	}
}

func TestDecimals(t *testing.T) {
	for x, want := range map[float64]int{1: 0, -30: 0, 0.1: 1, 0.5: 1, 0.25: 2, -1.5: 1, 0.001: 3, 1e-7: 7, 100: 0} {
		if got := decimals(x); got != want {
			t.Errorf("decimals(%v) = %d, want %d", x, got, want)
		}
	}
}

func TestAppendJSONEscapesNamesAndLabels(t *testing.T) {
	p := &Product{ProtocolType: ProtocolVarLen, Entities: []Entity{{Attrs: []Attr{
		{Name: `a"b\c`, DataType: "enum", Type: "status_writable", Enum: []string{"\u62bd", "<x>"}, Position: Position{Len: 1}},
		{Name: "n", DataType: "uint16", Type: "status_readonly", UintSpec: &UintSpec{Max: 65535, Ratio: 0.01, Addition: -100}},
	}}}}
	s, err := Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	m := s.NewMessage(ActionVarReport)
	m.Present[0], m.Present[1] = true, true
	m.Values[1].Raw = 12345
	got := s.AppendJSON([]byte("prefix:"), m)
	want := `prefix:{"a\"b\\c":"抽","n":23.45}`
	if string(got) != want {
		t.Errorf("AppendJSON = %s\nwant          %s", got, want)
	}
	m.Values[0].Raw = 1
	var back map[string]any
	if err := json.Unmarshal(s.AppendJSON(nil, m), &back); err != nil || back[`a"b\c`] != "<x>" {
		t.Errorf("round trip through encoding/json: %v, %v", back, err)
	}
}

func TestAppendJSONLargeNumbersHaveNoExponent(t *testing.T) {
	s := loadSchema(t, "fan")
	m := s.NewMessage(ActionVarReport)
	i, _ := s.Lookup("Timer")
	m.Present[i], m.Values[i].Raw = true, 1<<32-1
	if got := string(s.AppendJSON(nil, m)); got != `{"Timer":4294967295}` {
		t.Errorf("AppendJSON = %s", got)
	}
}
