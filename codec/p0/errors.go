package p0

import (
	"errors"
	"strconv"
)

// Sentinel errors. [Decode] and [DecodeServer] return them wrapped in a
// *[DecodeError] that records where in the input the problem was found;
// test with errors.Is.
var (
	// ErrShort: the input is shorter than the smallest possible message
	// (8 bytes for a frame, 6 for a server message).
	ErrShort = errors.New("p0: message too short")
	// ErrHeader: the first four bytes are not 00 00 00 03.
	ErrHeader = errors.New("p0: bad header")
	// ErrVarLen: varLen has a continuation bit on its fourth byte, or is
	// not minimally encoded (a multi-byte length whose last byte is 0).
	ErrVarLen = errors.New("p0: bad length field")
	// ErrTruncated: the input ends before the length field or before the
	// bytes varLen announces, or varLen is too small to hold flag, cmd and
	// (for 0x0093/0x0094) sn.
	ErrTruncated = errors.New("p0: truncated frame")
	// ErrTrailing: the input continues after the bytes varLen announces.
	ErrTrailing = errors.New("p0: trailing bytes after frame")
)

// DecodeError locates a decoding failure. Offset is the index in the input
// of the byte at fault, or the input length when the input ended too early.
type DecodeError struct {
	Offset int
	Err    error
}

func (e *DecodeError) Error() string {
	return e.Err.Error() + " (at byte " + strconv.Itoa(e.Offset) + ")"
}

// Unwrap returns the sentinel, so errors.Is(err, ErrTruncated) works.
func (e *DecodeError) Unwrap() error { return e.Err }
