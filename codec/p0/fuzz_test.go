package p0

import (
	"bytes"
	"errors"
	"testing"
)

// Seeds live in testdata/fuzz/<FuzzName>/ (the captures and malformed
// fixtures of frame_test.go, plus inputs the fuzzer found interesting).

// FuzzDecode checks that Decode never panics, fails only with a
// *DecodeError wrapping a sentinel, and that every accepted frame is
// reproduced byte for byte by Append.
func FuzzDecode(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		fr, err := Decode(b)
		if err != nil {
			checkDecodeError(t, err, len(b), ErrShort, ErrHeader, ErrVarLen, ErrTruncated, ErrTrailing)
			return
		}
		if out := Append(nil, fr); !bytes.Equal(out, b) {
			t.Fatalf("Append(Decode(%x)) = %x", b, out)
		}
		if fr.EncodedLen() != len(b) {
			t.Fatalf("EncodedLen = %d, input %d bytes", fr.EncodedLen(), len(b))
		}
	})
}

// FuzzDecodeServer does the same for the server channel.
func FuzzDecodeServer(f *testing.F) {
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := DecodeServer(b)
		if err != nil {
			checkDecodeError(t, err, len(b), ErrShort, ErrHeader)
			return
		}
		if out := AppendServer(nil, m); !bytes.Equal(out, b) {
			t.Fatalf("AppendServer(DecodeServer(%x)) = %x", b, out)
		}
	})
}

func checkDecodeError(t *testing.T, err error, inputLen int, allowed ...error) {
	t.Helper()
	var de *DecodeError
	if !errors.As(err, &de) {
		t.Fatalf("error %T %v is not a *DecodeError", err, err)
	}
	if de.Offset < 0 || de.Offset > inputLen {
		t.Fatalf("offset %d outside input of %d bytes", de.Offset, inputLen)
	}
	for _, s := range allowed {
		if errors.Is(err, s) {
			return
		}
	}
	t.Fatalf("unexpected error %v", err)
}
