package p0

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

// unhex decodes a hex fixture, ignoring spaces, so fixtures can be copied
// from the notes as printed.
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		t.Fatalf("bad fixture %q: %v", s, err)
	}
	return b
}

// frameWithBodyLen builds a 0x0090 frame whose varLen is n, with the given
// encoded varLen bytes, so the boundary fixtures are checked against
// hand-written length encodings rather than against AppendVarLen.
func frameWithBodyLen(t testing.TB, n int, varLen string) (wire []byte, payload []byte) {
	t.Helper()
	payload = bytes.Repeat([]byte{0xA5}, n-3)
	wire = append(unhex(t, "00000003"+varLen+"000090"), payload...)
	return wire, payload
}

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name    string
		wire    string
		want    Frame
		comment string
	}{
		{
			name: "capture fixed read",
			wire: "000000030400009002",
			want: Frame{Cmd: CmdAppToDevice, Payload: []byte{0x02}},
		},
		{
			name: "capture fixed write",
			wire: "0000000309000090010200000010",
			want: Frame{Cmd: CmdAppToDevice, Payload: unhex(t, "010200000010")},
		},
		{
			name: "capture report",
			wire: "000000030b0000910400000010000000",
			want: Frame{Cmd: CmdDeviceToApp, Payload: unhex(t, "0400000010000000")},
		},
		{
			name: "websocket doc example",
			wire: "00000003 09 00 0090 010001020304", // [0,0,0,3,9,0,0,144,1,0,1,2,3,4]
			want: Frame{Cmd: CmdAppToDevice, Payload: []byte{1, 0, 1, 2, 3, 4}},
		},
		{
			name: "oe var_len write with sn 0",
			wire: "00 00 00 03 0A 00 00 93 00 00 00 00 11 10 01",
			want: Frame{Cmd: CmdWithSN, SN: 0, Payload: []byte{0x11, 0x10, 0x01}},
		},
		{
			name: "ack with sn and no payload",
			wire: "00000003 07 00 0094 deadbeef",
			want: Frame{Cmd: CmdAckSN, SN: 0xdeadbeef, Payload: []byte{}},
		},
		{
			name: "non-zero flag and unknown cmd are carried through",
			wire: "00000003 04 7f 0006 aa",
			want: Frame{Flag: 0x7f, Cmd: 0x0006, Payload: []byte{0xaa}},
		},
		{
			name: "empty payload",
			wire: "00000003 03 00 0091",
			want: Frame{Cmd: CmdDeviceToApp, Payload: []byte{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wire := unhex(t, tt.wire)
			got, err := Decode(wire)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			assertFrame(t, got, tt.want)
			if out := Append(nil, got); !bytes.Equal(out, wire) {
				t.Errorf("Append(Decode(x)) = %x, want %x", out, wire)
			}
			if n := got.EncodedLen(); n != len(wire) {
				t.Errorf("EncodedLen = %d, want %d", n, len(wire))
			}
		})
	}
}

func TestDecodeVarLenBoundaries(t *testing.T) {
	tests := []struct {
		n      int
		varLen string
	}{
		{127, "7f"},
		{128, "8001"},
		{16383, "ff7f"},
		{16384, "808001"},
		{2097151, "ffff7f"},
		{2097152, "80808001"},
	}
	for _, tt := range tests {
		wire, payload := frameWithBodyLen(t, tt.n, tt.varLen)
		got, err := Decode(wire)
		if err != nil {
			t.Fatalf("n=%d: Decode: %v", tt.n, err)
		}
		assertFrame(t, got, Frame{Cmd: CmdAppToDevice, Payload: payload})
		if out := Append(nil, got); !bytes.Equal(out, wire) {
			t.Errorf("n=%d: Append(Decode(x)) differs from input", tt.n)
		}
	}
}

func TestDecodeMalformed(t *testing.T) {
	tests := []struct {
		name   string
		wire   string
		err    error
		offset int
	}{
		{"empty", "", ErrShort, 0},
		{"three bytes", "000000", ErrShort, 3},
		{"seven bytes", "00000003040000", ErrShort, 7},
		{"wrong version", "000000040400009002", ErrHeader, 3},
		{"wrong first byte", "ff0000030400009002", ErrHeader, 0},
		{"five-byte varLen", "00000003 ffffffff7f 00 0090", ErrVarLen, 7},
		{"four bytes all continued", "00000003 80808080 00 0090", ErrVarLen, 7},
		{"non-minimal varLen", "00000003 8300 00 0090 00", ErrVarLen, 5},
		{"truncated payload", "00000003 09 00 0090 0102", ErrTruncated, 10},
		{"truncated long varLen", "00000003 8001 00 0090 00", ErrTruncated, 10},
		{"varLen too small for cmd", "00000003 02 00 0090", ErrTruncated, 7},
		{"varLen zero", "00000003 00 00 0090", ErrTruncated, 5},
		{"trailing garbage", "000000030400009002 ff", ErrTrailing, 9},
		{"two frames back to back", "000000030400009002 000000030400009002", ErrTrailing, 9},
		{"0x0093 too short for sn", "00000003 05 00 0093 0000", ErrTruncated, 10},
		{"0x0094 with 3-byte sn", "00000003 06 00 0094 000001", ErrTruncated, 11},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(unhex(t, tt.wire))
			assertDecodeError(t, err, tt.err, tt.offset)
		})
	}
}

func TestDecodeAliasesInput(t *testing.T) {
	wire := unhex(t, "0000000309000090010200000010")
	f, err := Decode(wire)
	if err != nil {
		t.Fatal(err)
	}
	wire[len(wire)-1] = 0x99
	if f.Payload[len(f.Payload)-1] != 0x99 {
		t.Error("Payload does not alias the input")
	}
}

func TestDecodeNoAllocs(t *testing.T) {
	wire := unhex(t, "00 00 00 03 0A 00 00 93 00 00 00 07 11 10 01")
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := Decode(wire); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Decode allocates %v times per call, want 0", allocs)
	}
}

func TestAppendKeepsPrefixAndGrowsOnce(t *testing.T) {
	prefix := []byte("prefix")
	f := Frame{Cmd: CmdWithSN, SN: 7, Payload: bytes.Repeat([]byte{1}, 200)}
	out := Append(prefix, f)
	if !bytes.HasPrefix(out, prefix) {
		t.Fatalf("Append lost the prefix")
	}
	got, err := Decode(out[len(prefix):])
	if err != nil {
		t.Fatal(err)
	}
	assertFrame(t, got, f)

	if raceEnabled {
		return
	}
	dst := make([]byte, 0, 4)
	allocs := testing.AllocsPerRun(50, func() { _ = Append(dst, f) })
	if allocs != 1 {
		t.Errorf("Append allocates %v times, want exactly 1 growth", allocs)
	}
}

func TestAppendDropsSNForCommandsWithoutIt(t *testing.T) {
	out := Append(nil, Frame{Cmd: CmdAppToDevice, SN: 42, Payload: []byte{2}})
	if want := unhex(t, "000000030400009002"); !bytes.Equal(out, want) {
		t.Errorf("got %x, want %x", out, want)
	}
}

func TestHasSN(t *testing.T) {
	for cmd := 0; cmd <= 0xffff; cmd++ {
		want := cmd == 0x93 || cmd == 0x94
		if got := HasSN(uint16(cmd)); got != want {
			t.Fatalf("HasSN(%#04x) = %v", cmd, got)
		}
	}
}

func TestDecodeErrorMessage(t *testing.T) {
	_, err := Decode(unhex(t, "000000030400009002ff"))
	if got, want := err.Error(), "p0: trailing bytes after frame (at byte 9)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func assertFrame(t testing.TB, got, want Frame) {
	t.Helper()
	if got.Flag != want.Flag || got.Cmd != want.Cmd || got.SN != want.SN || !bytes.Equal(got.Payload, want.Payload) {
		t.Errorf("frame = {flag %#x cmd %#04x sn %d payload %x}, want {flag %#x cmd %#04x sn %d payload %x}",
			got.Flag, got.Cmd, got.SN, got.Payload, want.Flag, want.Cmd, want.SN, want.Payload)
	}
}

func assertDecodeError(t testing.TB, err, want error, offset int) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("err %T is not a *DecodeError", err)
	}
	if de.Offset != offset {
		t.Errorf("offset = %d, want %d", de.Offset, offset)
	}
}
