// Package memory is the in-process implementation of bus.Bus, used when
// Switchboard runs as a single node.
//
// It mirrors NATS core semantics so code written against it behaves the same
// on NATS: Publish is fire-and-forget, each subscription has its own bounded
// queue drained by one goroutine, and a subscription that falls behind loses
// messages instead of slowing the publisher or other subscribers.
//
// Publish copies data once and hands the same copy to every matching
// subscription, so handlers must treat data as read-only: a handler that
// modifies it would corrupt what other subscribers see.
package memory

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/switchboard-iot/switchboard/bus"
)

// DefaultQueueLen is the per-subscription queue length used when
// Options.QueueLen is not positive. At 40 bytes a slot plus the payload it is
// big enough to absorb a burst from thousands of devices reporting at once,
// and the queue only grows to it when a subscriber actually falls behind.
const DefaultQueueLen = 8192

// Options configures a Bus. The zero value is ready to use.
type Options struct {
	// QueueLen is how many messages each subscription may hold waiting for
	// its handler; further messages are dropped. Default DefaultQueueLen.
	QueueLen int
	// OnDrop, if set, is called once for every message a subscription drops,
	// with the message's subject. It runs on the publisher's goroutine after
	// the bus has released its locks, so it may call the bus, but it should be
	// quick: it is on the publish path.
	OnDrop func(subject string)
}

// Bus is an in-process bus.Bus. It is safe for concurrent use.
type Bus struct {
	queueLen int
	onDrop   func(subject string)
	dropped  atomic.Uint64

	// mu guards the subscription trie and closed. Publish only reads, so
	// publishers proceed in parallel and only Subscribe, Unsubscribe and Close
	// take it exclusively.
	mu     sync.RWMutex
	closed bool
	root   node
	// sets are the members of subject sets (subjectset.go) by subject;
	// setSubs every open set, for Close.
	sets    map[string][]*subscription
	setSubs []*subscription
}

var _ bus.Bus = (*Bus)(nil)

// New returns an empty, open Bus.
func New(opts Options) *Bus {
	if opts.QueueLen <= 0 {
		opts.QueueLen = DefaultQueueLen
	}
	return &Bus{queueLen: opts.QueueLen, onDrop: opts.OnDrop}
}

// Publish queues data for every subscription whose pattern matches subject
// and returns without waiting for any handler. It returns ctx.Err() if ctx is
// already done, bus.ErrBadSubject for an invalid or wildcard subject, and
// bus.ErrClosed after Close. The caller may reuse data as soon as it returns.
func (b *Bus) Publish(ctx context.Context, subject string, data []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !bus.ValidSubject(subject) {
		return bus.ErrBadSubject
	}
	d := delivery{subject: subject, data: data}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return bus.ErrClosed
	}
	b.root.match(subject, &d)
	d.to(b.sets[subject])
	b.mu.RUnlock()

	if d.dropped > 0 {
		b.dropped.Add(uint64(d.dropped))
		if b.onDrop != nil {
			for range d.dropped {
				b.onDrop(subject)
			}
		}
	}
	return nil
}

// Subscribe starts delivering messages whose subject matches pattern to h,
// on a goroutine of its own. It returns bus.ErrBadSubject for an invalid
// pattern and bus.ErrClosed after Close.
func (b *Bus) Subscribe(pattern string, h bus.Handler) (bus.Subscription, error) {
	if !bus.ValidPattern(pattern) {
		return nil, bus.ErrBadSubject
	}
	s := newSubscription(b, h, b.queueLen)
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, bus.ErrClosed
	}
	b.root.insert(pattern, s)
	b.mu.Unlock()
	go s.run()
	return s, nil
}

// Dropped reports how many messages subscriptions have dropped because their
// queue was full. A message dropped by three subscriptions counts three times.
func (b *Bus) Dropped() uint64 { return b.dropped.Load() }

// Local is true: messages never leave the process (bus.Local).
func (b *Bus) Local() bool { return true }

// Close unsubscribes everything and waits for handlers that are running to
// return (except the caller's own, when Close is called from a handler).
// Messages still queued are discarded. Later Publish and Subscribe calls
// return bus.ErrClosed; later Close calls return nil.
//
// Because Close waits, a handler that calls Close must not itself be waited
// on by another handler, or the two deadlock.
func (b *Bus) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	subs := b.root.detachAll(nil)
	b.root = node{}
	subs = append(subs, b.setSubs...)
	b.sets, b.setSubs = nil, nil
	b.mu.Unlock()

	// Stop every queue before waiting on any handler, so all goroutines wind
	// down in parallel rather than one after another.
	for _, s := range subs {
		s.q.close()
	}
	for _, s := range subs {
		s.wait()
	}
	return nil
}

// remove takes s out of the trie; it is a no-op if s is already out.
func (b *Bus) remove(s *subscription) {
	b.mu.Lock()
	if s.node != nil {
		s.node.remove(s)
	}
	b.mu.Unlock()
}
