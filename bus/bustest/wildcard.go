package bustest

import (
	"slices"
	"strings"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// wildcardCases pins down NATS subject matching: "*" is exactly one token,
// ">" is one or more trailing tokens, and tokens compare whole and
// case-sensitively.
var wildcardCases = []struct {
	pattern, subject string
	match            bool
}{
	{"a.b", "a.b", true},
	{"a.b", "a.c", false},
	{"a.b", "a.b.c", false},
	{"a.b", "a", false},
	{"a.b", "A.b", false},
	{"ab", "a", false},
	{"a", "ab", false},
	{"*", "a", true},
	{"*", "a.b", false},
	{"a.*", "a.b", true},
	{"a.*", "a", false},
	{"a.*", "a.b.c", false},
	{"*.b", "a.b", true},
	{"*.b", "a.c", false},
	{"a.*.c", "a.b.c", true},
	{"a.*.c", "a.b.d", false},
	{"a.*.c", "a.c", false},
	{"*.*", "a.b", true},
	{"*.*", "a", false},
	{">", "a", true},
	{">", "a.b.c", true},
	{"a.>", "a.b", true},
	{"a.>", "a.b.c", true},
	{"a.>", "a", false},
	{"a.>", "b.c", false},
	{"*.>", "a.b", true},
	{"*.>", "a", false},
	{"a.*.>", "a.b.c.d", true},
	{"a.*.>", "a.b", false},
}

// testWildcards subscribes each case's pattern on a fresh bus, publishes the
// subject, then a fence on a subject the pattern surely matches. Once the
// fence arrives the probe has either been delivered or never will be.
func testWildcards(t *testing.T, open func(*testing.T) bus.Bus) {
	for _, c := range wildcardCases {
		t.Run(c.pattern+"~"+c.subject, func(t *testing.T) {
			b := open(t)
			var r recorder
			subscribe(t, b, c.pattern, r.handle)
			publish(t, b, c.subject, "probe")
			fence := strings.NewReplacer("*", "fence", ">", "fence").Replace(c.pattern)
			publish(t, b, fence, "fence")
			r.waitData(t, "fence")

			var want []msg
			if c.match {
				want = append(want, msg{c.subject, "probe"})
			}
			want = append(want, msg{fence, "fence"})
			if got := r.all(); !slices.Equal(got, want) {
				t.Errorf("pattern %q, subject %q: got %v, want %v", c.pattern, c.subject, got, want)
			}
		})
	}
}
