package p0

import (
	"encoding/binary"
	"slices"
)

// Commands carried in P0 frames between the cloud and devices (notes §2).
const (
	CmdAppToDevice uint16 = 0x0090 // business data to the device, no ack expected
	CmdDeviceToApp uint16 = 0x0091 // reply to 0x0090 or unsolicited report
	CmdWithSN      uint16 = 0x0093 // business data with sn; the peer answers 0x0094
	CmdAckSN       uint16 = 0x0094 // ack/reply to 0x0093, same sn
)

// header is the protocol version that opens every frame. Products say
// "packetVersion": "0x00000004", but that names the datapoint payload
// version; the envelope is always version 3.
var header = [4]byte{0, 0, 0, 3}

// minFrameLen is header + 1-byte varLen + flag + cmd.
const minFrameLen = len(header) + 1 + 1 + 2

// Frame is one decoded P0 frame.
type Frame struct {
	Flag    byte   // 0x00 in every capture seen; carried through unchanged
	Cmd     uint16 // one of the Cmd constants (LAN commands also fit)
	SN      uint32 // only meaningful when HasSN(Cmd)
	Payload []byte // on Decode, aliases the input
}

// HasSN reports whether frames with this command carry a 4-byte sequence
// number after cmd. Only 0x0093 and its acknowledgement 0x0094 do.
func HasSN(cmd uint16) bool { return cmd == CmdWithSN || cmd == CmdAckSN }

// bodyLen is the value of varLen: flag + cmd + optional sn + payload.
func (f Frame) bodyLen() int {
	n := 1 + 2 + len(f.Payload)
	if HasSN(f.Cmd) {
		n += 4
	}
	return n
}

// EncodedLen returns the number of bytes Append adds for f.
func (f Frame) EncodedLen() int {
	n := f.bodyLen()
	return len(header) + varLenSize(n) + n
}

// Append appends the encoding of f to dst and returns the extended slice.
// It grows dst at most once. SN is written only when HasSN(f.Cmd).
//
// Append panics if the payload is so large that varLen would exceed
// MaxVarLen (about 256 MiB), see AppendVarLen.
func Append(dst []byte, f Frame) []byte {
	n := f.bodyLen()
	dst = slices.Grow(dst, len(header)+varLenSize(n)+n)
	dst = append(dst, header[:]...)
	dst = AppendVarLen(dst, n)
	dst = append(dst, f.Flag)
	dst = binary.BigEndian.AppendUint16(dst, f.Cmd)
	if HasSN(f.Cmd) {
		dst = binary.BigEndian.AppendUint32(dst, f.SN)
	}
	return append(dst, f.Payload...)
}
