package datapoint

import "testing"

// benchCases are realistic payloads: a full fixed-length report and a
// var_len report of every point (with an 8-byte binary).
var benchCases = []struct{ name, schema, payload string }{
	{"fixed", "lamp", "04 05 c8 0008 01 5b 28 01 00"},
	{"var_len", "fan", "14 01ff 2b 64 000005a0 4142434445464748 00ed"},
}

func BenchmarkDecodeReport(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			s := loadSchema(b, bc.schema)
			payload := unhex(b, bc.payload)
			m := s.NewMessage(0)
			b.ReportAllocs()
			b.SetBytes(int64(len(payload)))
			for b.Loop() {
				if err := s.Decode(payload, m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	for _, bc := range benchCases {
		b.Run(bc.name, func(b *testing.B) {
			s := loadSchema(b, bc.schema)
			m := s.NewMessage(0)
			if err := s.Decode(unhex(b, bc.payload), m); err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 0, 512)
			b.ReportAllocs()
			for b.Loop() {
				dst = s.AppendJSON(dst[:0], m)
			}
		})
	}
}

// BenchmarkEncodeWrite is the downlink path of c2s_write: JSON-decoded
// attrs set on a reused message, then encoded.
func BenchmarkEncodeWrite(b *testing.B) {
	cases := []struct {
		name, schema string
		action       byte
		attrs        map[string]any
	}{
		{"fixed", "lamp", ActionWrite, map[string]any{"LED_OnOff": true, "LED_Color": "pink", "Motor_Speed": 3.0}},
		{"var_len", "fan", ActionVarWrite, map[string]any{"Power": true, "Speed": 55.0, "Label": []any{104.0, 105.0}}},
	}
	for _, bc := range cases {
		b.Run(bc.name, func(b *testing.B) {
			s := loadSchema(b, bc.schema)
			m := s.NewMessage(bc.action)
			dst := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				m.Reset(bc.action)
				for name, v := range bc.attrs {
					if err := s.Set(m, name, v); err != nil {
						b.Fatal(err)
					}
				}
				var err error
				if dst, err = s.Append(dst[:0], m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
