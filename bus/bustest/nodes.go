package bustest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// RunNodes runs the part of the contract that only a bus spanning nodes
// has: newNode returns a new node's bus, and every node made for the same t
// reaches the same network (for NATS: the same server). RunNodes closes every
// bus it makes.
func RunNodes(t *testing.T, newNode func(t *testing.T) bus.Bus) {
	open := func(t *testing.T) bus.Bus {
		t.Helper()
		b := newNode(t)
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return b
	}
	t.Run("AcrossNodes", func(t *testing.T) { testAcrossNodes(t, open(t), open(t)) })
	t.Run("SubscribeAcrossNodes", func(t *testing.T) { testSubscribeAcrossNodes(t, open(t), open(t)) })
	t.Run("UnsubscribeAcrossNodes", func(t *testing.T) { testUnsubscribeAcrossNodes(t, open(t), open(t)) })
	t.Run("OrderAcrossNodes", func(t *testing.T) { testOrderAcrossNodes(t, open(t), open(t)) })
	t.Run("SubjectSetAcrossNodes", func(t *testing.T) { testSubjectSetAcrossNodes(t, open(t), open(t)) })
}

// testAcrossNodes: a message reaches matching subscriptions on both the
// publisher's node and the other, and nothing else.
func testAcrossNodes(t *testing.T, a, b bus.Bus) {
	var onA, onB, other recorder
	subscribe(t, a, "nodes.d1.data", onA.handle)
	subscribe(t, b, "nodes.*.data", onB.handle)
	subscribe(t, b, "nodes.d2.data", other.handle)

	publish(t, a, "nodes.d1.data", "from-a")
	publish(t, b, "nodes.d1.data", "from-b")
	publish(t, a, "nodes.d2.data", "fence")
	onA.waitData(t, "from-a")
	onA.waitData(t, "from-b")
	onB.waitData(t, "from-a")
	onB.waitData(t, "from-b")
	other.waitData(t, "fence")
	if got := other.all(); len(got) != 1 {
		t.Errorf("nodes.d2.data subscriber got %v, want the fence only", got)
	}
}

// testSubscribeAcrossNodes: once Subscribe returns, a message published
// once on another node reaches the subscription. A bus that registered
// interest lazily would lose it.
func testSubscribeAcrossNodes(t *testing.T, a, b bus.Bus) {
	for i := range 20 {
		var r recorder
		subject := fmt.Sprintf("nodes.sub.%d", i)
		subscribe(t, b, subject, r.handle)
		publish(t, a, subject, "once")
		r.waitData(t, "once")
	}
}

// testUnsubscribeAcrossNodes: once Unsubscribe returns on one node, what
// another node publishes no longer reaches the handler.
func testUnsubscribeAcrossNodes(t *testing.T, a, b bus.Bus) {
	var (
		gone, late atomic.Bool
		calls      atomic.Int32
		fence      recorder
	)
	sub := subscribe(t, b, "nodes.unsub", func(string, []byte) {
		if gone.Load() {
			late.Store(true)
		}
		calls.Add(1)
	})
	subscribe(t, b, "nodes.fence", fence.handle)

	publish(t, a, "nodes.unsub", "before")
	eventually(t, "delivery before Unsubscribe", func() bool { return calls.Load() == 1 })
	if err := sub.Unsubscribe(); err != nil {
		t.Fatalf("Unsubscribe: %v", err)
	}
	gone.Store(true)
	publish(t, a, "nodes.unsub", "after")
	publish(t, a, "nodes.fence", "fence")
	fence.waitData(t, "fence")
	if late.Load() || calls.Load() != 1 {
		t.Errorf("handler called %d times, want 1: delivery continued after Unsubscribe", calls.Load())
	}
}

// testOrderAcrossNodes: a node's messages reach a subscription on another
// node in the order it published them, and none is lost when the subscriber
// keeps up.
func testOrderAcrossNodes(t *testing.T, a, b bus.Bus) {
	const total = 1000
	var r recorder
	subscribe(t, b, "nodes.order", r.handle)
	for i := range total {
		publish(t, a, "nodes.order", fmt.Sprint(i))
	}
	r.waitData(t, fmt.Sprint(total-1))
	got := r.all()
	if len(got) != total {
		t.Fatalf("got %d messages, want %d", len(got), total)
	}
	for i, m := range got {
		if m.data != fmt.Sprint(i) {
			t.Fatalf("message %d is %q: out of order", i, m.data)
		}
	}
}
