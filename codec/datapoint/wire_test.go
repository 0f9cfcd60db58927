package datapoint

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// wireFixture is a payload with the attrs JSON it decodes to. Every byte
// below was worked out by hand from the layout rules in the notes (§3-4),
// not produced by this code.
type wireFixture struct {
	name    string
	schema  string
	payload string
	json    string // AppendJSON of the decoded message
	// build: Set every attr of json on a fresh message and Append; the
	// result must be payload (or reencoded when given).
	build bool
	// reencoded is Append(Decode(payload)) when the payload has bits the
	// codec ignores (and so sends as zero).
	reencoded string
}

var wireFixtures = []wireFixture{
	// notes §4: writing {"LED_OnOff": true, "Motor_Speed": 3} becomes 01 05 01 08.
	{
		name: "notes s4 write", schema: "s4", build: true,
		payload: "01 05 01 08",
		json:    `{"LED_OnOff":true,"Motor_Speed":3}`,
	},
	// demo-lamp dev_status: [0] bits LED_OnOff(0) LED_Color(1-2), [1] LED_R,
	// [2-3] Motor_Speed, [4] Infrared, [5] Temperature, [6] Humidity,
	// [7] alert bits, [8] fault bits.
	{
		// on, purple(2): 0b101; LED_R 200; motor 3 → x 8; temp 25.5 → x 91; humidity 40; alert on.
		name: "lamp report", schema: "lamp", build: true,
		payload: "04 05 c8 0008 01 5b 28 01 00",
		json:    `{"LED_OnOff":true,"LED_Color":"purple","LED_R":200,"Motor_Speed":3,"Infrared":true,"Temperature":25.5,"Humidity":40,"Alert_Overheat":true,"Fault_LED":false}`,
	},
	{
		name: "lamp report all zero", schema: "lamp", build: true,
		payload: "04 00 00 0000 00 00 00 00 00",
		json:    `{"LED_OnOff":false,"LED_Color":"custom","LED_R":0,"Motor_Speed":-5,"Infrared":false,"Temperature":-20,"Humidity":0,"Alert_Overheat":false,"Fault_LED":false}`,
	},
	{
		// off, pink(3): 0b110; LED_R 254; motor x 10; temp x 160 → 60; humidity 100; fault on.
		name: "lamp read reply maxima", schema: "lamp", build: true,
		payload: "03 06 fe 000a 00 a0 64 00 01",
		json:    `{"LED_OnOff":false,"LED_Color":"pink","LED_R":254,"Motor_Speed":5,"Infrared":false,"Temperature":60,"Humidity":100,"Alert_Overheat":false,"Fault_LED":true}`,
	},
	{
		// 0xfd: on, purple (bits 1-2 = 0b10); the unused bits 3-7 of the
		// writable region and 1-7 of the others are ignored.
		name: "lamp report with reserved bits set", schema: "lamp",
		payload:   "04 fd 01 0000 fe 00 00 fe fe",
		json:      `{"LED_OnOff":true,"LED_Color":"purple","LED_R":1,"Motor_Speed":-5,"Infrared":false,"Temperature":-20,"Humidity":0,"Alert_Overheat":false,"Fault_LED":false}`,
		reencoded: "04 05 01 0000 00 00 00 00 00",
	},
	{
		// attr_flags bit0 (LED_OnOff) + bit3 (Motor_Speed); attr_vals = dev_status[0:4].
		name: "lamp write power and motor", schema: "lamp", build: true,
		payload: "01 09 01 00 0008",
		json:    `{"LED_OnOff":true,"Motor_Speed":3}`,
	},
	{
		name: "lamp write colour and brightness", schema: "lamp", build: true,
		payload: "01 06 02 80 0000",
		json:    `{"LED_Color":"yellow","LED_R":128}`,
	},
	{
		// The device-log capture 0000000309000090010200000010: attr_flags 0x02 and
		// four value bytes, which is demo-lamp's write shape. Only LED_Color is
		// flagged; the 0x10 in the unflagged Motor_Speed slot is ignored.
		name: "gokit capture write", schema: "lamp",
		payload:   "01 02 00 00 00 10",
		json:      `{"LED_Color":"custom"}`,
		reencoded: "01 02 00 00 00 00",
	},
	{
		name: "lamp write nothing flagged", schema: "lamp", build: true,
		payload: "01 00 00 00 0000",
		json:    `{}`,
	},
	{
		// switch8 is bit 8 of the 2-byte region: bit 0 of its first byte.
		name: "wide region bit 8", schema: "wide", build: true,
		payload: "04 01 00 07",
		json:    `{"switch0":false,"switch1":false,"switch2":false,"switch3":false,"switch4":false,"switch5":false,"switch6":false,"switch7":false,"switch8":true,"switch9":false,"level":7}`,
	},
	{
		name: "wide region write switch0 and switch9", schema: "wide", build: true,
		payload: "01 0201 0201",
		json:    `{"switch0":true,"switch9":true}`,
	},
	{
		name: "transparent from device", schema: "lamp", build: false,
		payload: "06 112233",
		json:    `{}`,
	},

	// demo-fan-varlen: Power Mode Speed Timer Label Running Temperature
	// Filter_Alert Motor_Fault; flags are 2 bytes for 9 points.
	{
		// flags bits 0-2; bits Power(0) Mode(1-2)=turbo(2) → 0b101; Speed 55.
		name: "fan write power mode speed", schema: "fan", build: true,
		payload: "11 0007 05 37",
		json:    `{"Power":true,"Mode":"turbo","Speed":55}`,
	},
	{
		// flags bits 3-4; no bit segment; Timer 90; Label "hi" zero-padded to 8 bytes.
		name: "fan write short binary padded", schema: "fan", build: true,
		payload: "11 0018 0000005a 6869000000000000",
		json:    `{"Timer":90,"Label":[104,105,0,0,0,0,0,0]}`,
	},
	{
		// all 9 flagged: 01 ff; bits Power 1, Mode sleep(1) at 1-2, Running 1 at 3,
		// Filter_Alert 0 at 4, Motor_Fault 1 at 5 → 0b101011; then Speed 100,
		// Timer 1440, Label "ABCDEFGH", Temperature -6.3 → x 237.
		name: "fan report everything", schema: "fan", build: true,
		payload: "14 01ff 2b 64 000005a0 4142434445464748 00ed",
		json:    `{"Power":true,"Mode":"sleep","Speed":100,"Timer":1440,"Label":[65,66,67,68,69,70,71,72],"Running":true,"Temperature":-6.3,"Filter_Alert":false,"Motor_Fault":true}`,
	},
	{
		// Running and Temperature: flags bits 5-6; bits Running 0; Temperature 25 → x 550.
		name: "fan read reply two points", schema: "fan", build: true,
		payload: "13 0060 00 0226",
		json:    `{"Running":false,"Temperature":25}`,
	},
	{
		// Only Motor_Fault (bit 8): the flag lands in bit 0 of the first byte.
		name: "fan report flag 8", schema: "fan", build: true,
		payload: "14 0100 01",
		json:    `{"Motor_Fault":true}`,
	},
	{
		// Mode index 3 is past the three labels: kept, shown as a number.
		name: "fan report enum past labels", schema: "fan",
		payload: "14 0002 03",
		json:    `{"Mode":3}`,
	},
	{
		name: "fan report segment padding ignored", schema: "fan",
		payload:   "14 0001 fe",
		json:      `{"Power":false}`,
		reencoded: "14 0001 00",
	},
	{
		name: "fan report nothing", schema: "fan", build: true,
		payload: "14 0000",
		json:    `{}`,
	},
	{
		// [oe] giz_mqtt.cc: 00 00 00 03 0A 00 00 93 00 00 00 00 | 11 10 01.
		name: "oe var_len write", schema: "oe5", build: true,
		payload: "11 10 01",
		json:    `{"light":1}`,
	},
}

func TestWireFixtures(t *testing.T) {
	for _, fx := range wireFixtures {
		t.Run(fx.name, func(t *testing.T) {
			s := loadSchema(t, fx.schema)
			payload := unhex(t, fx.payload)
			m := s.NewMessage(0)
			if err := s.Decode(payload, m); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if m.Action != payload[0] {
				t.Errorf("Action = %#x, want %#x", m.Action, payload[0])
			}
			if got := string(s.AppendJSON(nil, m)); got != fx.json {
				t.Errorf("AppendJSON =\n  %s\nwant\n  %s", got, fx.json)
			}
			want := payload
			if fx.reencoded != "" {
				want = unhex(t, fx.reencoded)
			}
			out, err := s.Append(nil, m)
			if err != nil || !bytes.Equal(out, want) {
				t.Errorf("Append(Decode(x)) = %x, %v; want %x", out, err, want)
			}
			if !fx.build {
				return
			}
			built := s.NewMessage(payload[0])
			setAll(t, s, built, fx.json)
			out, err = s.Append(nil, built)
			if err != nil || !bytes.Equal(out, payload) {
				t.Errorf("Append(Set(json)) = %x, %v; want %x", out, err, payload)
			}
		})
	}
}

func TestDecodeReadRequests(t *testing.T) {
	tests := []struct {
		schema, payload string
		want            []string
	}{
		{"lamp", "02", []string{"LED_OnOff", "LED_Color", "LED_R", "Motor_Speed", "Infrared", "Temperature", "Humidity", "Alert_Overheat", "Fault_LED"}},
		{"s4", "02", []string{"LED_OnOff", "LED_Color", "Motor_Speed", "Infrared", "Temperature"}},
		{"fan", "12 01ff", []string{"Power", "Mode", "Speed", "Timer", "Label", "Running", "Temperature", "Filter_Alert", "Motor_Fault"}},
		{"fan", "12 0120", []string{"Running", "Motor_Fault"}},
		{"fan", "12 0000", nil},
	}
	for _, tt := range tests {
		s := loadSchema(t, tt.schema)
		payload := unhex(t, tt.payload)
		m := s.NewMessage(0)
		if err := s.Decode(payload, m); err != nil {
			t.Fatalf("%s %s: %v", tt.schema, tt.payload, err)
		}
		if got := presentNames(s, m); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: asks for %v, want %v", tt.schema, tt.payload, got, tt.want)
		}
		if out, err := s.Append(nil, m); err != nil || !bytes.Equal(out, payload) {
			t.Errorf("%s %s: re-encoded %x, %v", tt.schema, tt.payload, out, err)
		}
	}
}

func TestAppendReadFixedIgnoresPresent(t *testing.T) {
	s := loadSchema(t, "lamp")
	m := s.NewMessage(ActionRead)
	m.Present[2] = true
	if out, err := s.Append(nil, m); err != nil || !bytes.Equal(out, []byte{ActionRead}) {
		t.Errorf("got %x, %v; want 02", out, err)
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name, schema, payload string
		err                   error
		field                 string // when the error is a *FieldError
		offset                int    // when it is a *PayloadError
	}{
		{name: "empty", schema: "lamp", payload: "", err: ErrShortPayload, offset: 0},
		{name: "unknown action 0x00", schema: "lamp", payload: "00", err: ErrUnknownAction},
		{name: "unknown action 0x07", schema: "lamp", payload: "07 00", err: ErrUnknownAction},
		{name: "unknown action 0x15", schema: "fan", payload: "15 0000", err: ErrUnknownAction},
		{name: "var_len action on fixed product", schema: "lamp", payload: "14 0000", err: ErrUnknownAction},
		{name: "fixed action on var_len product", schema: "fan", payload: "04 00", err: ErrUnknownAction},
		{name: "fixed read with body", schema: "lamp", payload: "02 00", err: ErrTrailing, offset: 1},
		{name: "fixed report short", schema: "lamp", payload: "04 05 c8 0008 01 5b 28 01", err: ErrShortPayload, offset: 9},
		{name: "fixed report action only", schema: "lamp", payload: "04", err: ErrShortPayload, offset: 1},
		{name: "fixed read reply short", schema: "lamp", payload: "03 00", err: ErrShortPayload, offset: 2},
		// The device-log report capture has a 7-byte dev_status; demo-lamp's is 9.
		{name: "capture report on a larger product", schema: "lamp", payload: "04 00 00 00 10 00 00 00", err: ErrShortPayload, offset: 8},
		{name: "fixed report trailing", schema: "lamp", payload: "04 05 c8 0008 01 5b 28 01 00 ff", err: ErrTrailing, offset: 10},
		{name: "fixed write short", schema: "lamp", payload: "01 09 01 00 00", err: ErrShortPayload, offset: 5},
		{name: "fixed write flags only", schema: "lamp", payload: "01 09", err: ErrShortPayload, offset: 2},
		{name: "fixed write trailing", schema: "lamp", payload: "01 09 01 00 0008 00", err: ErrTrailing, offset: 6},
		{name: "notes s4 write trailing", schema: "s4", payload: "01 05 01 08 00", err: ErrTrailing, offset: 4},
		{name: "var report no flags", schema: "fan", payload: "14", err: ErrShortPayload, offset: 1},
		{name: "var report half flags", schema: "fan", payload: "14 01", err: ErrShortPayload, offset: 2},
		{name: "var read half flags", schema: "fan", payload: "12 01", err: ErrShortPayload, offset: 2},
		{name: "var flag for point 9 of 9", schema: "fan", payload: "14 0200", err: ErrUnknownField, offset: 1},
		{name: "var flag for point 15", schema: "fan", payload: "12 8000", err: ErrUnknownField, offset: 1},
		{name: "var missing bit segment", schema: "fan", payload: "14 0001", err: ErrShortPayload, offset: 3},
		{name: "var missing value", schema: "fan", payload: "14 0004", err: ErrShortPayload, field: "Speed"},
		{name: "var binary cut short", schema: "fan", payload: "14 0010 41424344", err: ErrShortPayload, field: "Label"},
		{name: "var uint32 cut short", schema: "fan", payload: "13 0008 000005", err: ErrShortPayload, field: "Timer"},
		{name: "var report trailing", schema: "fan", payload: "13 0060 00 0226 ff", err: ErrTrailing, offset: 6},
		{name: "var read trailing", schema: "fan", payload: "12 01ff ff", err: ErrTrailing, offset: 3},
		{name: "var write of read-only point", schema: "fan", payload: "11 0020 00", err: ErrNotWritable, field: "Running"},
		{name: "var write of fault point", schema: "fan", payload: "11 0100 01", err: ErrNotWritable, field: "Motor_Fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := loadSchema(t, tt.schema)
			m := s.NewMessage(0)
			err := s.Decode(unhex(t, tt.payload), m)
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if tt.field != "" {
				var fe *FieldError
				if !errors.As(err, &fe) || fe.Field != tt.field {
					t.Errorf("err = %v, want a *FieldError for %q", err, tt.field)
				}
			} else {
				var pe *PayloadError
				if !errors.As(err, &pe) || pe.Offset != tt.offset {
					t.Errorf("err = %#v, want a *PayloadError at offset %d", err, tt.offset)
				}
			}
			if slices.Contains(m.Present, true) {
				t.Errorf("a failed Decode left Present fields: %v", presentNames(s, m))
			}
		})
	}
}

func TestDecodeTransparent(t *testing.T) {
	for _, name := range []string{"lamp", "fan"} {
		s := loadSchema(t, name)
		for _, action := range []byte{ActionTransparentToDevice, ActionTransparentFromDevice} {
			payload := []byte{action, 0xff, 0xff, 0x00, 0x0d}
			m := s.NewMessage(0)
			if err := s.Decode(payload, m); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(m.Transparent, payload[1:]) || slices.Contains(m.Present, true) {
				t.Errorf("%s %#x: Transparent = %x, Present %v", name, action, m.Transparent, m.Present)
			}
			if out, err := s.Append(nil, m); err != nil || !bytes.Equal(out, payload) {
				t.Errorf("%s %#x: re-encoded %x, %v", name, action, out, err)
			}
		}
		m := s.NewMessage(0)
		if err := s.Decode([]byte{ActionTransparentFromDevice}, m); err != nil || len(m.Transparent) != 0 {
			t.Errorf("%s: empty transparent body: %x, %v", name, m.Transparent, err)
		}
	}
}

func TestAppendMalformed(t *testing.T) {
	lamp, fan := loadSchema(t, "lamp"), loadSchema(t, "fan")
	tests := []struct {
		name   string
		s      *Schema
		action byte
		field  string
		value  Value
		err    error
	}{
		{"fixed write of read-only", lamp, ActionWrite, "Humidity", Value{Raw: 1}, ErrNotWritable},
		{"fixed write of alert", lamp, ActionWrite, "Alert_Overheat", Value{Raw: 1}, ErrNotWritable},
		{"var write of read-only", fan, ActionVarWrite, "Temperature", Value{Raw: 1}, ErrNotWritable},
		{"bool raw 2", lamp, ActionReport, "LED_OnOff", Value{Raw: 2}, ErrRange},
		{"enum raw past its bits", lamp, ActionWrite, "LED_Color", Value{Raw: 4}, ErrRange},
		{"uint8 raw 256", lamp, ActionReport, "Humidity", Value{Raw: 256}, ErrRange},
		{"uint16 raw 65536", lamp, ActionWrite, "Motor_Speed", Value{Raw: 65536}, ErrRange},
		{"binary too long", fan, ActionVarReport, "Label", Value{Bytes: make([]byte, 9)}, ErrRange},
		{"var enum past its bits", fan, ActionVarWrite, "Mode", Value{Raw: 4}, ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := tt.s.NewMessage(tt.action)
			i, _ := tt.s.Lookup(tt.field)
			m.Present[i], m.Values[i] = true, tt.value
			dst := []byte("keep")
			out, err := tt.s.Append(dst, m)
			var fe *FieldError
			if !errors.Is(err, tt.err) || !errors.As(err, &fe) || fe.Field != tt.field {
				t.Fatalf("err = %v, want %v for %s", err, tt.err, tt.field)
			}
			if string(out) != "keep" {
				t.Errorf("dst changed on error: %q", out)
			}
		})
	}

	m := lamp.NewMessage(0x07)
	if _, err := lamp.Append(nil, m); !errors.Is(err, ErrUnknownAction) {
		t.Errorf("unknown action: %v", err)
	}
	m = fan.NewMessage(ActionReport)
	if _, err := fan.Append(nil, m); !errors.Is(err, ErrUnknownAction) {
		t.Errorf("fixed action on var_len: %v", err)
	}
}

func TestAppendValuesOutsideUintSpecButOnTheWire(t *testing.T) {
	// Decode keeps a raw value outside min..max; Append must send it back.
	s := loadSchema(t, "lamp")
	payload := unhex(t, "04 00 ff ffff 00 ff ff 00 00") // LED_R 255 > max 254, motor 65535 > 10
	m := s.NewMessage(0)
	if err := s.Decode(payload, m); err != nil {
		t.Fatal(err)
	}
	if out, err := s.Append(nil, m); err != nil || !bytes.Equal(out, payload) {
		t.Errorf("got %x, %v", out, err)
	}
	if got := string(s.AppendJSON(nil, m)); got != `{"LED_OnOff":false,"LED_Color":"custom","LED_R":255,"Motor_Speed":65530,"Infrared":false,"Temperature":107.5,"Humidity":255,"Alert_Overheat":false,"Fault_LED":false}` {
		t.Errorf("AppendJSON = %s", got)
	}
}

func TestMessageFromAnotherSchema(t *testing.T) {
	// A message sized for a smaller schema is fitted by Decode and Set, and
	// tolerated (missing entries count as absent) by Append and AppendJSON.
	lamp, s4 := loadSchema(t, "lamp"), loadSchema(t, "s4")
	m := s4.NewMessage(0)
	if err := lamp.Decode(unhex(t, "04 05 c8 0008 01 5b 28 01 00"), m); err != nil {
		t.Fatal(err)
	}
	if len(m.Present) != lamp.NumFields() {
		t.Fatalf("Decode did not fit the message: %d fields", len(m.Present))
	}
	short := &Message{Action: ActionWrite, Present: []bool{true}, Values: []Value{{Raw: 1}}}
	if out, err := lamp.Append(nil, short); err != nil || !bytes.Equal(out, unhex(t, "01 01 01 00 0000")) {
		t.Errorf("Append of a short message = %x, %v", out, err)
	}
	if got := string(lamp.AppendJSON(nil, short)); got != `{"LED_OnOff":true}` {
		t.Errorf("AppendJSON of a short message = %s", got)
	}
	var empty Message
	empty.Action = ActionVarWrite
	fan := loadSchema(t, "fan")
	if err := fan.Set(&empty, "Label", "0102"); err != nil {
		t.Fatal(err)
	}
	if out, err := fan.Append(nil, &empty); err != nil || !bytes.Equal(out, unhex(t, "11 0010 0102000000000000")) {
		t.Errorf("Append after Set on a zero Message = %x, %v", out, err)
	}
}

func TestOEReportTenPointsInAFrame(t *testing.T) {
	// [oe] data_point_manager.cc: a 10-point report as 0x0093 sn 2, action
	// 0x14, flags 03 FF, one bit byte, four value bytes and a 100-byte
	// binary; varLen 0x73.
	s := loadSchema(t, "oe10")
	m := s.NewMessage(ActionVarReport)
	setAll(t, s, m, `{"power":true,"mute":false,"mode":"story","led":true,"volume":30,"brightness":80,"battery":95,"signal":200,"text":"48656c6c6f","low_battery":false}`)
	payload, err := s.Append(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	// bits: power 1 at 0, mute 0 at 1, mode 2 at 2-3, led 1 at 4, low_battery 0 at 5 → 0b011001
	want := "14 03ff 19 1e 50 5f c8 48656c6c6f" + strings.Repeat("00", 95)
	if !bytes.Equal(payload, unhex(t, want)) {
		t.Errorf("payload = %x\nwant      %s", payload, want)
	}
	frame := append(unhex(t, "00000003 73 00 0093 00000002"), payload...)
	if varLen := len(frame) - 5; varLen != 0x73 {
		t.Errorf("varLen would be %#x, the capture says 0x73", varLen)
	}
}
