package p0

import (
	"bytes"
	"errors"
	"testing"
	"testing/quick"
)

func TestVarLenBoundaries(t *testing.T) {
	tests := []struct {
		n    int
		wire string
	}{
		{0, "00"},
		{1, "01"},
		{127, "7f"},
		{128, "8001"},
		{321, "c102"}, // MQTT spec example
		{16383, "ff7f"},
		{16384, "808001"},
		{2097151, "ffff7f"},
		{2097152, "80808001"},
		{MaxVarLen, "ffffff7f"},
	}
	for _, tt := range tests {
		wire := unhex(t, tt.wire)
		if got := AppendVarLen(nil, tt.n); !bytes.Equal(got, wire) {
			t.Errorf("AppendVarLen(%d) = %x, want %x", tt.n, got, wire)
		}
		if got := varLenSize(tt.n); got != len(wire) {
			t.Errorf("varLenSize(%d) = %d, want %d", tt.n, got, len(wire))
		}
		// Bytes after the field must not be read.
		n, size, err := ReadVarLen(append(wire, 0xff, 0x80))
		if err != nil || n != tt.n || size != len(wire) {
			t.Errorf("ReadVarLen(%x) = %d, %d, %v; want %d, %d, nil", wire, n, size, err, tt.n, len(wire))
		}
	}
}

func TestReadVarLenMalformed(t *testing.T) {
	tests := []struct {
		name string
		wire string
		err  error
		size int
	}{
		{"empty", "", ErrTruncated, 0},
		{"ends after continuation", "80", ErrTruncated, 1},
		{"ends after three continuations", "ffffff", ErrTruncated, 3},
		{"fifth byte needed", "ffffffff01", ErrVarLen, 3},
		{"non-minimal zero", "8000", ErrVarLen, 1},
		{"non-minimal one", "818000", ErrVarLen, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, size, err := ReadVarLen(unhex(t, tt.wire))
			if !errors.Is(err, tt.err) || size != tt.size {
				t.Errorf("ReadVarLen = size %d, err %v; want %d, %v", size, err, tt.size, tt.err)
			}
		})
	}
}

func TestAppendVarLenPanicsOutOfRange(t *testing.T) {
	for _, n := range []int{-1, MaxVarLen + 1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendVarLen(%d) did not panic", n)
				}
			}()
			AppendVarLen(nil, n)
		}()
	}
}

// TestVarLenRoundTrip checks ReadVarLen(AppendVarLen(n)) == n over the
// whole range.
func TestVarLenRoundTrip(t *testing.T) {
	roundTrip := func(u uint32) bool {
		n := int(u % (MaxVarLen + 1))
		b := AppendVarLen(nil, n)
		got, size, err := ReadVarLen(b)
		return err == nil && got == n && size == len(b) && size == varLenSize(n)
	}
	if err := quick.Check(roundTrip, &quick.Config{MaxCount: 20000}); err != nil {
		t.Error(err)
	}
}
