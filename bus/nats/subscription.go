package nats

import (
	"errors"
	"sync"
	"sync/atomic"

	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/internal/goid"
)

// subscription wraps a nats.go async subscription. nats.go already gives
// each subscription one goroutine that calls the handler in arrival order,
// and drops beyond the pending limits; what it does not give is
// bus.Subscription's promise that the handler is not called once
// Unsubscribe has returned (its goroutine may have taken a message just
// before). running closes that gap.
type subscription struct {
	b       *Bus
	h       bus.Handler
	pattern string
	ns      *natsgo.Subscription

	// running is held while h runs: Unsubscribe takes it to wait for a call
	// in progress, and a call that gets it after closed is set skips h.
	running sync.Mutex
	closed  atomic.Bool
	// gid is the id of nats.go's delivery goroutine, the only one that runs
	// h (0 until its first message), so Unsubscribe called from inside h
	// knows not to wait for itself.
	gid atomic.Uint64
}

var _ bus.Subscription = (*subscription)(nil)

func (s *subscription) deliver(m *natsgo.Msg) {
	if s.gid.Load() == 0 {
		s.gid.Store(goid.ID())
	}
	s.running.Lock()
	defer s.running.Unlock()
	if s.closed.Load() {
		return
	}
	s.h(m.Subject, m.Data)
}

// Unsubscribe stops delivery on this node and withdraws the interest from
// the server, discarding queued messages. If the handler is running on
// another goroutine it waits for that call to return; called from inside the
// handler it returns at once. Safe to call more than once and after Close;
// always returns nil.
//
// As with bus/memory, two handlers unsubscribing each other's subscriptions
// at the same moment deadlock.
func (s *subscription) Unsubscribe() error {
	if s.closed.Load() {
		s.wait()
		return nil
	}
	// Drops are read before nats.go forgets them; any counted between here
	// and the unsubscribe below are not in Dropped.
	s.b.remove(s)
	s.stop()
	s.wait()
	return nil
}

// stop marks s closed and withdraws it from the server. The SUB's removal
// is sent with the next flush; messages already on the way are skipped by
// deliver.
func (s *subscription) stop() {
	s.closed.Store(true)
	if err := s.ns.Unsubscribe(); err != nil &&
		!errors.Is(err, natsgo.ErrConnectionClosed) && !errors.Is(err, natsgo.ErrBadSubscription) {
		s.b.log.Warn("bus unsubscribe", "pattern", s.pattern, "err", err)
	}
}

// wait returns once no call of h is in progress, unless the caller is h's
// own goroutine.
func (s *subscription) wait() {
	if s.gid.Load() == goid.ID() {
		return
	}
	s.running.Lock()
	s.running.Unlock() // empty on purpose: acquiring it was the wait
}

// dropped is how many messages nats.go discarded for s because its pending
// limits were reached; 0 once s is unsubscribed.
func (s *subscription) dropped() uint64 {
	n, err := s.ns.Dropped()
	if err != nil || n < 0 {
		return 0
	}
	return uint64(n)
}
