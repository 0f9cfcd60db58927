package bench

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"
)

// TestStampRoundTrip: the stamp a device puts in its report is what the
// app reads back from the s2c_noti the server renders.
func TestStampRoundTrip(t *testing.T) {
	at := time.Unix(1_800_000_000, 123456789)
	var b [8]int
	v := uint64(at.UnixNano())
	for i := 7; i >= 0; i-- {
		b[i] = int(v & 0xff)
		v >>= 8
	}
	msg, _ := json.Marshal(map[string]any{"cmd": "s2c_noti", "data": map[string]any{"did": "x", "attrs": map[string]any{"Stamp": b, "Speed": 3}}})
	got, ok := stampOf(msg)
	if !ok || got != at.UnixNano() {
		t.Fatalf("stampOf(%s) = %d, %v; want %d", msg, got, ok, at.UnixNano())
	}
	for _, bad := range []string{`{}`, `"Stamp":[1,2,3]`, `"Stamp":[1,2,3,4,5,6,7,8,9]`, `"Stamp":[256,0,0,0,0,0,0,0]`, `"Stamp":[1,2,3,4,5,6,7,x]`, `"Stamp":[1,2`} {
		if _, ok := stampOf([]byte(bad)); ok {
			t.Errorf("stampOf(%s) accepted", bad)
		}
	}
}

// FuzzStampOf: any message is read without a panic, and an accepted stamp
// came from eight byte values.
func FuzzStampOf(f *testing.F) {
	f.Add([]byte(`{"cmd":"s2c_noti","data":{"attrs":{"Stamp":[0,0,1,2,3,4,5,6]}}}`))
	f.Add([]byte(`"Stamp":[`))
	f.Add([]byte(`"Stamp":[-1,0,0,0,0,0,0,0]`))
	f.Fuzz(func(t *testing.T, msg []byte) {
		if _, ok := stampOf(msg); ok && !bytes.Contains(msg, stampKey) {
			t.Fatalf("stamp accepted from %q without a Stamp key", msg)
		}
	})
}
