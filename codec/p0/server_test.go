package p0

import (
	"bytes"
	"encoding/binary"
	"testing"
)

func TestDecodeServerFixtures(t *testing.T) {
	tests := []struct {
		name string
		wire string
		want ServerMessage
	}{
		{"app count request", "00000003 020f", ServerMessage{Cmd: CmdAppCountRequest, Body: []byte{}}},
		{"app count reply", "00000003 0210 0003", ServerMessage{Cmd: CmdAppCountReply, Body: []byte{0, 3}}},
		{"firmware push", "00000003 0211 01", ServerMessage{Cmd: 0x0211, Body: []byte{1}}},
		{"oe framing stays in body", "00000003 021c 0000 0002 abcd", ServerMessage{Cmd: 0x021c, Body: unhex(t, "00000002abcd")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			got, err := DecodeServer(wire)
			if err != nil {
				t.Fatal(err)
			}
			if got.Cmd != tt.want.Cmd || !bytes.Equal(got.Body, tt.want.Body) {
				t.Errorf("got {%#04x %x}, want {%#04x %x}", got.Cmd, got.Body, tt.want.Cmd, tt.want.Body)
			}
			if out := AppendServer(nil, got); !bytes.Equal(out, wire) {
				t.Errorf("AppendServer(DecodeServer(x)) = %x, want %x", out, wire)
			}
			if got.EncodedLen() != len(wire) {
				t.Errorf("EncodedLen = %d, want %d", got.EncodedLen(), len(wire))
			}
		})
	}
}

func TestAppCountReplyCountAtBytes6And7(t *testing.T) {
	out := AppendServer(nil, ServerMessage{Cmd: CmdAppCountReply, Body: binary.BigEndian.AppendUint16(nil, 258)})
	if got := binary.BigEndian.Uint16(out[6:8]); got != 258 {
		t.Errorf("count at bytes 6-7 = %d, want 258 (%x)", got, out)
	}
}

func TestDecodeServerMalformed(t *testing.T) {
	tests := []struct {
		name   string
		wire   string
		err    error
		offset int
	}{
		{"empty", "", ErrShort, 0},
		{"three bytes", "000000", ErrShort, 3},
		{"no command", "00000003 02", ErrShort, 5},
		{"wrong header", "00000004 020f", ErrHeader, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeServer(unhex(t, tt.wire))
			assertDecodeError(t, err, tt.err, tt.offset)
		})
	}
}

func TestDecodeServerNoAllocs(t *testing.T) {
	wire := unhex(t, "000000030210 0003")
	if n := testing.AllocsPerRun(100, func() { _, _ = DecodeServer(wire) }); n != 0 {
		t.Errorf("DecodeServer allocates %v times, want 0", n)
	}
}
