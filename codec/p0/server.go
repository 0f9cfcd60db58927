package p0

import (
	"encoding/binary"
	"slices"
)

// Commands on the server channel (device publishes cli2ser_req, cloud
// answers on ser2cli_res/<did>), notes §1.5.
const (
	CmdAppCountRequest uint16 = 0x020F // "how many app clients" (no body)
	CmdAppCountReply   uint16 = 0x0210 // body: big-endian uint16 count (bytes 6-7 of the message)
)

// minServerLen is header + cmd.
const minServerLen = len(header) + 2

// ServerMessage is one message on the server channel. Its framing differs
// from a P0 frame: 00 00 00 03, then the 2-byte command, then the body,
// with no varLen and no flag (GAgent, notes §1.5). Newer firmware puts
// 2-byte flags and a 2-byte length before its body for some commands; those
// bytes are left in Body for the caller that knows the command.
type ServerMessage struct {
	Cmd  uint16
	Body []byte // on DecodeServer, aliases the input
}

// EncodedLen returns the number of bytes AppendServer adds for m.
func (m ServerMessage) EncodedLen() int { return minServerLen + len(m.Body) }

// DecodeServer parses one server-channel message. Because the framing has
// no length field, everything after the command is the body. It does not
// allocate unless it fails; errors are *DecodeError wrapping ErrShort or
// ErrHeader.
func DecodeServer(b []byte) (ServerMessage, error) {
	if len(b) < minServerLen {
		return ServerMessage{}, &DecodeError{Offset: len(b), Err: ErrShort}
	}
	if err := checkHeader(b); err != nil {
		return ServerMessage{}, err
	}
	return ServerMessage{
		Cmd:  binary.BigEndian.Uint16(b[len(header):]),
		Body: b[minServerLen:],
	}, nil
}

// AppendServer appends the encoding of m to dst.
func AppendServer(dst []byte, m ServerMessage) []byte {
	dst = slices.Grow(dst, m.EncodedLen())
	dst = append(dst, header[:]...)
	dst = binary.BigEndian.AppendUint16(dst, m.Cmd)
	return append(dst, m.Body...)
}
