package datapoint

// Bit regions and flag bitmaps are read as one big-endian unsigned integer
// (notes §3.3): bit k is bit k%8 of byte len-1-k/8, so bit 0 is the least
// significant bit of the last byte. Generated MCU code builds them
// little-endian and byte-reverses the whole region before sending, which
// comes to the same thing; [oe] sends a 10-point flags field as 03 FF.

// bitSet reports whether bit k of bitmap b is 1.
func bitSet(b []byte, k int) bool { return b[len(b)-1-k/8]>>(k%8)&1 != 0 }

// setBit sets bit k of bitmap b.
func setBit(b []byte, k int) { b[len(b)-1-k/8] |= 1 << (k % 8) }

// getBits returns the n-bit unsigned value stored at bits k..k+n-1 of b.
func getBits(b []byte, k, n int) uint64 {
	var v uint64
	for j := n - 1; j >= 0; j-- {
		v <<= 1
		if bitSet(b, k+j) {
			v |= 1
		}
	}
	return v
}

// putBits stores the low n bits of v at bits k..k+n-1 of b, which must be
// zero there.
func putBits(b []byte, k, n int, v uint64) {
	for j := 0; j < n; j++ {
		if v>>j&1 != 0 {
			setBit(b, k+j)
		}
	}
}

// getUint reads a big-endian unsigned number of len(b) (1..4) bytes.
func getUint(b []byte) uint64 {
	var v uint64
	for _, c := range b {
		v = v<<8 | uint64(c)
	}
	return v
}

// putUint writes v big-endian into b.
func putUint(b []byte, v uint64) {
	for i := len(b) - 1; i >= 0; i-- {
		b[i] = byte(v)
		v >>= 8
	}
}

// appendZeros appends n zero bytes; append of make does not allocate a
// temporary.
func appendZeros(dst []byte, n int) []byte { return append(dst, make([]byte, n)...) }
