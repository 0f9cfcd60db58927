package p0

import (
	"bytes"
	"math/rand/v2"
	"testing"
)

// TestFrameRoundTrip is a property test: for random frames,
// Decode(Append(f)) == f and the encoding is EncodedLen bytes long.
func TestFrameRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2)) // fixed seed: failures reproduce
	cmds := []uint16{CmdAppToDevice, CmdDeviceToApp, CmdWithSN, CmdAckSN, 0x0006, 0xffff}
	for i := 0; i < 5000; i++ {
		f := Frame{
			Flag: byte(rng.UintN(256)),
			Cmd:  cmds[rng.IntN(len(cmds))],
		}
		if HasSN(f.Cmd) {
			f.SN = rng.Uint32()
		}
		size := rng.IntN(200)
		if i%100 == 0 {
			size = rng.IntN(40000) // crosses the 2- and 3-byte varLen boundaries
		}
		f.Payload = make([]byte, size)
		for j := range f.Payload {
			f.Payload[j] = byte(rng.UintN(256))
		}

		wire := Append(nil, f)
		if len(wire) != f.EncodedLen() {
			t.Fatalf("len(Append) = %d, EncodedLen = %d", len(wire), f.EncodedLen())
		}
		got, err := Decode(wire)
		if err != nil {
			t.Fatalf("Decode(Append(%+v)): %v", f, err)
		}
		if got.Flag != f.Flag || got.Cmd != f.Cmd || got.SN != f.SN || !bytes.Equal(got.Payload, f.Payload) {
			t.Fatalf("round trip changed the frame: got %+v, want %+v", got, f)
		}
	}
}

func TestServerRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < 2000; i++ {
		m := ServerMessage{Cmd: uint16(rng.UintN(1 << 16)), Body: make([]byte, rng.IntN(64))}
		for j := range m.Body {
			m.Body[j] = byte(rng.UintN(256))
		}
		got, err := DecodeServer(AppendServer(nil, m))
		if err != nil || got.Cmd != m.Cmd || !bytes.Equal(got.Body, m.Body) {
			t.Fatalf("round trip of %+v: got %+v, %v", m, got, err)
		}
	}
}
