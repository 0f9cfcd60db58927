package bench

import (
	"bytes"
	"encoding/binary"
	"strconv"
)

var stampKey = []byte(`"Stamp":[`)

// stampOf reads the Stamp datapoint of an s2c_noti without decoding the
// whole message: the 8 byte values of a JSON array, big-endian Unix ns.
func stampOf(msg []byte) (int64, bool) {
	i := bytes.Index(msg, stampKey)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(stampKey):]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return 0, false
	}
	var v [8]byte
	k := 0
	for part := range bytes.SplitSeq(rest[:end], []byte(",")) {
		if k >= 8 {
			return 0, false
		}
		x, err := strconv.Atoi(string(bytes.TrimSpace(part)))
		if err != nil || x < 0 || x > 255 {
			return 0, false
		}
		v[k] = byte(x)
		k++
	}
	if k != 8 {
		return 0, false
	}
	return int64(binary.BigEndian.Uint64(v[:])), true
}
