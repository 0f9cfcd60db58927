package bustest

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// testSlowConsumer: a handler that never returns does not hold up Publish,
// even for far more messages than any sane queue holds; the bus drops and
// counts instead, and a fast subscription on the same subject keeps getting
// messages.
func testSlowConsumer(t *testing.T, b bus.Bus) {
	const flood = 100_000
	release := make(chan struct{})
	subscribe(t, b, "flood", func(string, []byte) { <-release })
	// Registered after the bus's Close, so it runs first: Close may wait for
	// the blocked handler.
	t.Cleanup(func() { close(release) })

	var fast atomic.Int64
	var sawMarker atomic.Bool
	subscribe(t, b, "flood", func(_ string, data []byte) {
		fast.Add(1)
		if string(data) == "marker" {
			sawMarker.Store(true)
		}
	})

	done := make(chan error, 1)
	go func() {
		data := []byte("payload")
		for range flood {
			if err := b.Publish(context.Background(), "flood", data); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	if err := receive(t, done, "Publish to finish despite a blocked handler"); err != nil {
		t.Fatalf("Publish: %v", err)
	}

	eventually(t, "Dropped() > 0", func() bool { return b.Dropped() > 0 })
	eventually(t, "the fast subscriber to get messages", func() bool { return fast.Load() > 0 })
	// The fast subscriber may itself have dropped part of the flood, so keep
	// offering a marker until one gets through: it must, since its handler
	// keeps up once the flood is over.
	eventually(t, "a message published after the flood to reach the fast subscriber", func() bool {
		if err := b.Publish(context.Background(), "flood", []byte("marker")); err != nil {
			t.Errorf("Publish: %v", err)
		}
		return sawMarker.Load()
	})
}
