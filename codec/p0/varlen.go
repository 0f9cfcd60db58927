package p0

// MaxVarLen is the largest length the 4-byte MQTT remaining-length coding
// can express (2^28 - 1).
const MaxVarLen = 268435455

// maxVarLenBytes is the longest encoding of a length.
const maxVarLenBytes = 4

// varLenSize returns how many bytes AppendVarLen uses for n.
func varLenSize(n int) int {
	switch {
	case n < 1<<7:
		return 1
	case n < 1<<14:
		return 2
	case n < 1<<21:
		return 3
	default:
		return 4
	}
}

// AppendVarLen appends n in MQTT remaining-length coding (7 bits per byte,
// least significant group first, 0x80 on every byte but the last) using the
// minimal number of bytes.
//
// It panics when n is outside 0..MaxVarLen: such a length cannot be put on
// the wire at all, and clamping would silently emit a frame whose length
// disagrees with its content. Callers building frames from untrusted sizes
// must check first.
func AppendVarLen(dst []byte, n int) []byte {
	if n < 0 || n > MaxVarLen {
		panic("p0: AppendVarLen: length out of range 0..MaxVarLen")
	}
	for n >= 0x80 {
		dst = append(dst, byte(n)|0x80)
		n >>= 7
	}
	return append(dst, byte(n))
}

// ReadVarLen reads an MQTT remaining-length field from the start of b and
// returns the length n and the number of bytes it occupies.
//
// It returns ErrTruncated when b ends before the field does, and ErrVarLen
// when the fourth byte still has its continuation bit or the encoding is not
// minimal (a multi-byte field whose last byte is 0x00). On error, size is the
// offset in b of the byte at fault (len(b) when b ended too early).
func ReadVarLen(b []byte) (n int, size int, err error) {
	for i := 0; i < maxVarLenBytes; i++ {
		if i >= len(b) {
			return 0, len(b), ErrTruncated
		}
		c := b[i]
		n |= int(c&0x7f) << (7 * i)
		if c&0x80 == 0 {
			if c == 0 && i > 0 {
				return 0, i, ErrVarLen
			}
			return n, i + 1, nil
		}
	}
	return 0, maxVarLenBytes - 1, ErrVarLen
}
