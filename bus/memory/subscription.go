package memory

import (
	"sync/atomic"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/internal/goid"
)

// subscription is one Subscribe call: a queue and the goroutine draining it
// into the handler, which is what keeps one subscription's handler calls
// sequential and in publish order while others run in parallel.
type subscription struct {
	b    *Bus
	h    bus.Handler
	q    *queue
	done chan struct{} // closed when run returns
	gid  atomic.Uint64 // id of the goroutine running h; 0 until it starts

	// Position in the trie, guarded by b.mu; node is nil once removed.
	node *node
	rest bool
	idx  int
	// gone marks a subject set ended (subjectset.go), guarded by b.mu.
	gone bool
}

var _ bus.Subscription = (*subscription)(nil)

func newSubscription(b *Bus, h bus.Handler, queueLen int) *subscription {
	return &subscription{b: b, h: h, q: newQueue(queueLen), done: make(chan struct{})}
}

func (s *subscription) run() {
	defer close(s.done)
	s.gid.Store(goid.ID())
	for {
		m, ok := s.q.pop()
		if !ok {
			return
		}
		s.h(m.subject, m.data)
	}
}

// Unsubscribe stops delivery and discards queued messages. If the handler is
// running on another goroutine it waits for that call to return, so after
// Unsubscribe the caller may free whatever the handler uses. Called from
// inside the handler it returns at once; the handler is not called again.
// Safe to call more than once, and after Close; always returns nil.
//
// Waiting (which NATS does not do) lets callers free what the handler uses;
// the price is that two handlers unsubscribing each other's subscriptions at
// the same moment deadlock.
func (s *subscription) Unsubscribe() error {
	s.b.remove(s)
	s.q.close()
	s.wait()
	return nil
}

// wait blocks until the handler goroutine has exited, unless the caller is
// that goroutine (Unsubscribe or Close called from the handler), which would
// otherwise wait for itself forever.
//
// The queue must already be closed. If the goroutine has not recorded its id
// yet, it has not called the handler either and will exit without doing so.
func (s *subscription) wait() {
	if s.gid.Load() == goid.ID() {
		return
	}
	<-s.done
}
