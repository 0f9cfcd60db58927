package bustest

import (
	"context"
	"errors"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

var (
	// badSubjects may not be published to: empty subject or token, any
	// wildcard, or a wildcard character inside a token.
	badSubjects = []string{
		"", ".", "a..b", ".a", "a.", "*", ">", "a.*", "a.>", "*.a", "a*", "a.b>", "*a",
	}
	// badPatterns may not be subscribed to: as above, except whole-token
	// wildcards are fine as long as ">" is last.
	badPatterns = []string{
		"", ".", "a..b", ".a", "a.", ">.a", "a.>.b", "a.>.>", "a*", "a.b>", "**", "*>",
	}
	goodSubjects = []string{"a", "a.b.c", "dev-1.state_v2.Temp"}
	goodPatterns = []string{"a", "*", ">", "a.*", "*.a", "a.>", "*.*.>", "a.*.c"}
)

func testBadSubjects(t *testing.T, b bus.Bus) {
	ctx := context.Background()
	for _, s := range badSubjects {
		if err := b.Publish(ctx, s, nil); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Publish(%q) = %v, want ErrBadSubject", s, err)
		}
	}
	for _, p := range badPatterns {
		if _, err := b.Subscribe(p, func(string, []byte) {}); !errors.Is(err, bus.ErrBadSubject) {
			t.Errorf("Subscribe(%q) = %v, want ErrBadSubject", p, err)
		}
	}
	for _, s := range goodSubjects {
		if err := b.Publish(ctx, s, nil); err != nil {
			t.Errorf("Publish(%q) = %v, want nil", s, err)
		}
	}
	for _, p := range goodPatterns {
		if _, err := b.Subscribe(p, func(string, []byte) {}); err != nil {
			t.Errorf("Subscribe(%q) = %v, want nil", p, err)
		}
	}
}
