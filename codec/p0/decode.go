package p0

import "encoding/binary"

// Decode parses b, which must hold exactly one frame: no bytes may follow
// the length varLen announces (ErrTrailing). On success Payload aliases b.
// Decode does not allocate unless it fails; errors are *DecodeError
// wrapping one of the sentinels.
//
// Every frame Decode accepts is re-encoded byte for byte by Append.
func Decode(b []byte) (Frame, error) {
	if len(b) < minFrameLen {
		return Frame{}, &DecodeError{Offset: len(b), Err: ErrShort}
	}
	if err := checkHeader(b); err != nil {
		return Frame{}, err
	}
	n, size, err := ReadVarLen(b[len(header):])
	if err != nil {
		return Frame{}, &DecodeError{Offset: len(header) + size, Err: err}
	}
	start := len(header) + size // first byte counted by varLen
	body := b[start:]
	switch {
	case n > len(body):
		return Frame{}, &DecodeError{Offset: len(b), Err: ErrTruncated}
	case n < 3: // no room for flag + cmd
		return Frame{}, &DecodeError{Offset: start + n, Err: ErrTruncated}
	case n < len(body):
		return Frame{}, &DecodeError{Offset: start + n, Err: ErrTrailing}
	}
	f := Frame{Flag: body[0], Cmd: binary.BigEndian.Uint16(body[1:3])}
	rest := body[3:]
	if HasSN(f.Cmd) {
		if len(rest) < 4 {
			return Frame{}, &DecodeError{Offset: len(b), Err: ErrTruncated}
		}
		f.SN = binary.BigEndian.Uint32(rest)
		rest = rest[4:]
	}
	f.Payload = rest
	return f, nil
}

// checkHeader reports the first byte of b that differs from 00 00 00 03.
// b must hold at least four bytes.
func checkHeader(b []byte) error {
	for i, c := range header {
		if b[i] != c {
			return &DecodeError{Offset: i, Err: ErrHeader}
		}
	}
	return nil
}
