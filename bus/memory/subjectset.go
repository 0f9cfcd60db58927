package memory

import (
	"slices"
	"sync"

	"github.com/switchboard-iot/switchboard/bus"
)

// subjectSet is one subscription (queue and goroutine) registered under
// each subject of its set in Bus.sets, beside the trie: a set holds exact
// subjects only, so a map lookup per publish finds its members.
type subjectSet struct {
	*subscription
	mu   sync.Mutex // serialises Add and Remove; refs is guarded by it
	refs map[string]int
}

var _ bus.SubjectSet = (*subjectSet)(nil)

// SubscribeSet starts an empty subject set delivering to h on a goroutine
// of its own.
func (b *Bus) SubscribeSet(h bus.Handler) (bus.SubjectSet, error) {
	s := &subjectSet{subscription: newSubscription(b, h, b.queueLen), refs: make(map[string]int)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, bus.ErrClosed
	}
	if b.sets == nil {
		b.sets = make(map[string][]*subscription)
	}
	b.setSubs = append(b.setSubs, s.subscription)
	b.mu.Unlock()
	go s.run()
	return s, nil
}

// Add takes a reference on subject; the first puts it in the set.
func (s *subjectSet) Add(subject string) error {
	if !bus.ValidSubject(subject) {
		return bus.ErrBadSubject
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.refs[subject] > 0 {
		s.refs[subject]++
		return nil
	}
	b := s.b
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed || s.gone {
		return bus.ErrClosed
	}
	b.sets[subject] = append(b.sets[subject], s.subscription)
	s.refs[subject] = 1
	return nil
}

// Remove drops a reference on subject; the last takes it out of the set.
func (s *subjectSet) Remove(subject string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch s.refs[subject] {
	case 0:
		return
	case 1:
		delete(s.refs, subject)
		s.b.mu.Lock()
		s.b.dropFromSet(subject, s.subscription)
		s.b.mu.Unlock()
	default:
		s.refs[subject]--
	}
}

// Unsubscribe ends the set: no subject delivers to it any more, queued
// messages are discarded, and a handler call in progress elsewhere is
// waited for.
func (s *subjectSet) Unsubscribe() error {
	s.mu.Lock()
	s.b.mu.Lock()
	for subject := range s.refs {
		s.b.dropFromSet(subject, s.subscription)
	}
	s.gone = true
	s.b.setSubs = slices.DeleteFunc(s.b.setSubs, func(x *subscription) bool { return x == s.subscription })
	s.b.mu.Unlock()
	clear(s.refs)
	s.mu.Unlock()
	s.q.close()
	s.wait()
	return nil
}

// dropFromSet takes sub out of subject's set members; b.mu is held.
func (b *Bus) dropFromSet(subject string, sub *subscription) {
	members := slices.DeleteFunc(b.sets[subject], func(x *subscription) bool { return x == sub })
	if len(members) == 0 {
		delete(b.sets, subject)
	} else {
		b.sets[subject] = members
	}
}
