package bustest

import (
	"sync/atomic"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// testUnsubscribe: once Unsubscribe returns the handler is not called again,
// while other subscriptions on the same subject carry on; a second
// Unsubscribe is harmless.
func testUnsubscribe(t *testing.T, b bus.Bus) {
	var (
		gone       atomic.Bool
		calls      atomic.Int32
		other      recorder
		lateCalled atomic.Bool
	)
	sub := subscribe(t, b, "unsub", func(string, []byte) {
		if gone.Load() {
			lateCalled.Store(true)
		}
		calls.Add(1)
	})
	subscribe(t, b, "unsub", other.handle)

	publish(t, b, "unsub", "before")
	eventually(t, "delivery before Unsubscribe", func() bool { return calls.Load() == 1 })
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	gone.Store(true)

	publish(t, b, "unsub", "after")
	publish(t, b, "unsub", "fence")
	other.waitData(t, "fence")
	if lateCalled.Load() || calls.Load() != 1 {
		t.Errorf("handler called %d times, want 1: delivery continued after Unsubscribe", calls.Load())
	}
	if err := sub.Unsubscribe(); err != nil {
		t.Errorf("second Unsubscribe: %v", err)
	}
}

// testUnsubscribeInHandler: a handler may unsubscribe its own subscription
// without deadlocking, and is not called again even for messages already
// published.
func testUnsubscribeInHandler(t *testing.T, b bus.Bus) {
	var (
		calls    atomic.Int32
		other    recorder
		self     = make(chan bus.Subscription, 1)
		returned = make(chan error, 1)
	)
	sub := subscribe(t, b, "self", func(string, []byte) {
		if calls.Add(1) == 1 {
			returned <- (<-self).Unsubscribe()
		}
	})
	self <- sub
	subscribe(t, b, "self", other.handle)

	publish(t, b, "self", "first")
	publish(t, b, "self", "second")
	if err := receive(t, returned, "Unsubscribe called from the handler to return (deadlock?)"); err != nil {
		t.Fatalf("Unsubscribe from handler: %v", err)
	}
	publish(t, b, "self", "fence")
	other.waitData(t, "fence")
	if n := calls.Load(); n != 1 {
		t.Errorf("handler called %d times, want 1", n)
	}
}
