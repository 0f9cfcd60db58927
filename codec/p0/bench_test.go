package p0

import "testing"

// benchFrame is a typical device report: 0x0093 with sn and a 40-byte payload.
var benchFrame = Frame{Cmd: CmdWithSN, SN: 12345, Payload: make([]byte, 40)}

func BenchmarkP0Decode(b *testing.B) {
	wire := Append(nil, benchFrame)
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		if _, err := Decode(wire); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkP0Append(b *testing.B) {
	dst := make([]byte, 0, benchFrame.EncodedLen())
	b.ReportAllocs()
	b.SetBytes(int64(benchFrame.EncodedLen()))
	for b.Loop() {
		dst = Append(dst[:0], benchFrame)
	}
}
