// Package bustest is the contract suite every bus.Bus implementation must
// pass, so that code tested against the in-process bus behaves the same on
// NATS.
//
// It asserts only what NATS core also guarantees: fire-and-forget Publish,
// per-subscription ordering of one publisher's messages, handlers of one
// subscription run one at a time, and slow subscriptions lose messages rather
// than slowing anyone else. It never asserts how many messages a slow
// subscription keeps, and never waits with a fixed sleep: delivery is awaited
// by polling with a generous deadline, and non-delivery is proven by a later
// "fence" message on the same subscription, which ordering guarantees arrives
// after anything published before it.
//
// RunNodes adds what a bus spanning nodes promises: delivery, ordering,
// Subscribe and Unsubscribe across nodes.
package bustest

import (
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// Run runs the contract suite against buses made by newBus, one per subtest.
// Run closes every bus it makes, so newBus need not.
//
// Subscriptions must be able to buffer 2,000 messages for a handler that
// keeps up (the suite paces publishers so no more are outstanding); what
// happens beyond that is the implementation's choice.
func Run(t *testing.T, newBus func(t *testing.T) bus.Bus) {
	open := func(t *testing.T) bus.Bus {
		t.Helper()
		b := newBus(t)
		t.Cleanup(func() {
			if err := b.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		return b
	}
	t.Run("Literal", func(t *testing.T) { testLiteral(t, open(t)) })
	t.Run("Wildcards", func(t *testing.T) { testWildcards(t, open) })
	t.Run("FanOut", func(t *testing.T) { testFanOut(t, open(t)) })
	t.Run("DataCopied", func(t *testing.T) { testDataCopied(t, open(t)) })
	t.Run("Order", func(t *testing.T) { testOrder(t, open(t)) })
	t.Run("ConcurrentPublishers", func(t *testing.T) { testConcurrentPublishers(t, open(t)) })
	t.Run("Unsubscribe", func(t *testing.T) { testUnsubscribe(t, open(t)) })
	t.Run("UnsubscribeInHandler", func(t *testing.T) { testUnsubscribeInHandler(t, open(t)) })
	t.Run("Close", func(t *testing.T) { testClose(t, open(t)) })
	t.Run("BadSubjects", func(t *testing.T) { testBadSubjects(t, open(t)) })
	t.Run("SlowConsumer", func(t *testing.T) { testSlowConsumer(t, open(t)) })
	t.Run("SubjectSet", func(t *testing.T) { testSubjectSet(t, open(t)) })
	t.Run("SubjectSetUnsubscribe", func(t *testing.T) { testSubjectSetUnsubscribe(t, open(t)) })
}
