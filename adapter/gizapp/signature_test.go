package gizapp_test

import (
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adapter/gizapp"
)

func TestProductSignature(t *testing.T) {
	for _, c := range []struct{ secret, ts, want string }{
		{"", "", "d41d8cd98f00b204e9800998ecf8427e"},                                           // md5("")
		{"ab", "c", "900150983cd24fb0d6963f7d28e17f72"},                                        // md5("abc"): plain concatenation
		{"0123456789abcdef0123456789abcdef", "1700000000", "224dd730e3a37f3a004dbf08aaaef729"}, // md5sum of the same
	} {
		if got := gizapp.ProductSignature(c.secret, c.ts); got != c.want {
			t.Errorf("sign(%q, %q) = %s, want %s", c.secret, c.ts, got, c.want)
		}
	}
}

func TestSignatureValid(t *testing.T) {
	const secret, ts = "0123456789abcdef0123456789abcdef", "1700000000"
	for _, c := range []struct {
		sig  string
		want bool
	}{
		{"224dd730e3a37f3a004dbf08aaaef729", true},
		{"224DD730E3A37F3A004DBF08AAAEF729", true}, // hex case is not significant
		{"224dd730e3a37f3a004dbf08aaaef72", false},
		{"324dd730e3a37f3a004dbf08aaaef729", false},
		{"", false},
	} {
		if got := gizapp.SignatureValid(secret, ts, c.sig); got != c.want {
			t.Errorf("valid(%q) = %v, want %v", c.sig, got, c.want)
		}
	}
	if gizapp.SignatureValid(secret, "1700000001", "224dd730e3a37f3a004dbf08aaaef729") {
		t.Error("a signature of another timestamp passed")
	}
}

func TestTimestampFresh(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	for _, c := range []struct {
		ts   string
		want bool
	}{
		{"1700000000", true},
		{"1699999700", true},  // exactly 5 minutes old
		{"1700000300", true},  // 5 minutes ahead
		{"1699999699", false}, // stale
		{"1700000301", false}, // too far ahead
		{"1700000000000", false},
		{"-9223372036854775808", false},
		{"9223372036854775807", false},
		{"", false},
		{"17e8", false},
		{" 1700000000 ", true},
	} {
		if got := gizapp.TimestampFresh(c.ts, now); got != c.want {
			t.Errorf("fresh(%q) = %v, want %v", c.ts, got, c.want)
		}
	}
}
