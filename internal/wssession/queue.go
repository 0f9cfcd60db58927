package wssession

import "sync"

// Queue is a session's bounded send queue. Control frames count against
// one limit, and a producer that finds it full closes the session
// (Session.Send) rather than wait: the producer may be serving every
// other session. Messages of a pair (Offer) count against a limit per
// pair and make their sender wait instead (the relay's backpressure,
// reaching the sender as a timeout rather than a lost message).
type Queue struct {
	mu      sync.Mutex
	items   []Item
	control int // control frames queued
	// perPair, space and wake are made when first needed: an idle app
	// session (no pairs, on-demand writer) never makes them.
	perPair map[string]int
	space   chan struct{} // closed when a message leaves the queue
	wake    chan struct{} // cap 1: tells WriteLoop there is work
	notify  func()        // tells the on-demand writer instead (Session.Start)
	closed  bool
	ctrlMax int
	pairMax int
}

// Item is one queued frame.
type Item struct {
	B    []byte
	pair string // "" for control frames
	msg  bool
}

// OfferResult is the outcome of Offer.
type OfferResult int

const (
	Queued OfferResult = iota // taken
	Full                      // the pair is at its limit; wait on the channel
	Gone                      // the queue is closed
)

// NewQueue returns a queue of at most ctrlMax control frames and pairMax
// messages per pair (0 when the session has no pairs).
func NewQueue(ctrlMax, pairMax int) *Queue {
	return &Queue{ctrlMax: ctrlMax, pairMax: pairMax}
}

// Push queues a control frame; false when the queue is full or closed.
func (q *Queue) Push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.control >= q.ctrlMax {
		return false
	}
	q.control++
	q.items = append(q.items, Item{B: b})
	q.poke()
	return true
}

// Offer queues a message of pair unless that pair is at its limit.
func (q *Queue) Offer(pair string, b []byte) (OfferResult, <-chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return Gone, nil
	case q.perPair[pair] >= q.pairMax:
		if q.space == nil {
			q.space = make(chan struct{})
		}
		return Full, q.space
	}
	if q.perPair == nil {
		q.perPair = make(map[string]int)
	}
	q.perPair[pair]++
	q.items = append(q.items, Item{B: b, pair: pair, msg: true})
	q.poke()
	return Queued, nil
}

func (q *Queue) poke() {
	if q.notify != nil {
		q.notify()
		return
	}
	if q.wake == nil {
		return // WriteLoop has not started; it looks at the queue first
	}
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// Take removes up to max frames (all when max <= 0) in order, freeing
// their slots; when frames remain, the writer is woken again.
func (q *Queue) Take(dst []Item, max int) []Item {
	q.mu.Lock()
	defer q.mu.Unlock()
	n := len(q.items)
	if max > 0 && n > max {
		n = max
	}
	start := len(dst)
	dst = append(dst, q.items[:n]...)
	rest := copy(q.items, q.items[n:])
	clear(q.items[rest:])
	q.items = q.items[:rest]
	freed := false
	for _, it := range dst[start:] {
		if it.msg {
			if q.perPair[it.pair]--; q.perPair[it.pair] <= 0 {
				delete(q.perPair, it.pair)
			}
			freed = true
		} else {
			q.control--
		}
	}
	if len(q.items) > 0 {
		q.poke()
	}
	// Once closed, space was closed for good (Close woke every sender), and
	// the writer may still drain what was queued before. Without waiters
	// there is no channel to close; the next Full makes one.
	if freed && !q.closed && q.space != nil {
		close(q.space)
		q.space = nil
	}
	return dst
}

// Close makes later pushes and offers fail; waiting senders wake and see
// Gone.
func (q *Queue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		if q.space != nil {
			close(q.space)
			q.space = nil
		}
	}
}

// setNotify makes later pokes call f instead of waking WriteLoop; it calls
// f at once when frames are already queued.
func (q *Queue) setNotify(f func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.notify = f
	if len(q.items) > 0 {
		f()
	}
}

// wakeChan returns the channel that tells WriteLoop there is work, made on
// first use and already signalled when frames are queued.
func (q *Queue) wakeChan() <-chan struct{} {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.wake == nil {
		q.wake = make(chan struct{}, 1)
		if len(q.items) > 0 {
			q.wake <- struct{}{}
		}
	}
	return q.wake
}
