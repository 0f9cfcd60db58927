package nats

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	natsgo "github.com/nats-io/nats.go"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/internal/goid"
)

// subjectSet is one NATS channel subscription per subject, all feeding one
// channel drained by one goroutine: nats.go runs no goroutine for a channel
// subscription, so a node with 100,000 device sessions has 100,000 SUBs on
// its connection but one goroutine per set. A full channel drops (nats.go's
// slow consumer), counted per subject's subscription.
type subjectSet struct {
	b  *Bus
	h  bus.Handler
	ch chan *natsgo.Msg

	mu   sync.Mutex // guards subs, gone and the adds and removes on NATS
	subs map[string]*setMember
	gone uint64 // drops of subjects already removed

	running sync.Mutex // held while h runs, as in subscription
	closed  atomic.Bool
	quit    chan struct{}
	done    chan struct{}
	gid     atomic.Uint64
}

type setMember struct {
	ns   *natsgo.Subscription
	refs int
}

var _ bus.SubjectSet = (*subjectSet)(nil)

// SubscribeSet starts an empty subject set delivering to h.
func (b *Bus) SubscribeSet(h bus.Handler) (bus.SubjectSet, error) {
	s := &subjectSet{b: b, h: h, ch: make(chan *natsgo.Msg, b.pendingMsgs),
		subs: make(map[string]*setMember), quit: make(chan struct{}), done: make(chan struct{})}
	b.mu.Lock()
	if b.closed.Load() {
		b.mu.Unlock()
		return nil, bus.ErrClosed
	}
	b.subs[s] = struct{}{}
	b.mu.Unlock()
	go s.run()
	return s, nil
}

func (s *subjectSet) run() {
	defer close(s.done)
	s.gid.Store(goid.ID())
	for {
		select {
		case <-s.quit:
			return
		case m := <-s.ch:
			s.deliver(m)
		}
	}
}

func (s *subjectSet) deliver(m *natsgo.Msg) {
	s.running.Lock()
	defer s.running.Unlock()
	if s.closed.Load() {
		return
	}
	s.h(m.Subject, m.Data)
}

// Add takes a reference on subject; the first subscribes on NATS and
// returns once the server has it (one round trip), like Subscribe.
func (s *subjectSet) Add(subject string) error {
	if !bus.ValidSubject(subject) {
		return bus.ErrBadSubject
	}
	s.mu.Lock()
	if s.closed.Load() {
		s.mu.Unlock()
		return bus.ErrClosed
	}
	if m := s.subs[subject]; m != nil {
		m.refs++
		s.mu.Unlock()
		return nil
	}
	ns, err := s.b.nc.ChanSubscribe(subject, s.ch)
	if err != nil {
		s.mu.Unlock()
		if errors.Is(err, natsgo.ErrConnectionClosed) {
			return bus.ErrClosed
		}
		return fmt.Errorf("nats bus: subscribe %q: %w", subject, err)
	}
	s.subs[subject] = &setMember{ns: ns, refs: 1}
	s.mu.Unlock()
	if s.b.nc.IsConnected() {
		if err := s.b.nc.FlushTimeout(flushTimeout); err != nil {
			s.b.log.Warn("bus subscription not confirmed by NATS", "subject", subject, "err", err)
		}
	}
	return nil
}

// Remove drops a reference; the last unsubscribes on NATS.
func (s *subjectSet) Remove(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.subs[subject]
	if m == nil {
		return
	}
	if m.refs--; m.refs > 0 {
		return
	}
	delete(s.subs, subject)
	s.gone += droppedOf(m.ns)
	s.unsubscribe(subject, m.ns)
}

func (s *subjectSet) unsubscribe(subject string, ns *natsgo.Subscription) {
	if err := ns.Unsubscribe(); err != nil &&
		!errors.Is(err, natsgo.ErrConnectionClosed) && !errors.Is(err, natsgo.ErrBadSubscription) {
		s.b.log.Warn("bus unsubscribe", "subject", subject, "err", err)
	}
}

// Unsubscribe ends the set (see subscription.Unsubscribe).
func (s *subjectSet) Unsubscribe() error {
	if !s.closed.Load() {
		s.b.remove(s)
		s.stop()
	}
	s.wait()
	return nil
}

// stop ends delivery and withdraws every subject from the server.
func (s *subjectSet) stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed.Swap(true) {
		return
	}
	for subject, m := range s.subs {
		s.unsubscribe(subject, m.ns)
	}
	clear(s.subs)
	close(s.quit)
}

// wait returns once no call of h is in progress and the goroutine has
// ended, unless the caller is that goroutine.
func (s *subjectSet) wait() {
	if s.gid.Load() == goid.ID() {
		return
	}
	<-s.done
}

// dropped is how many messages nats.go discarded for the set.
func (s *subjectSet) dropped() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.gone
	for _, m := range s.subs {
		n += droppedOf(m.ns)
	}
	return n
}

func droppedOf(ns *natsgo.Subscription) uint64 {
	n, err := ns.Dropped()
	if err != nil || n < 0 {
		return 0
	}
	return uint64(n)
}
