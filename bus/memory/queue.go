package memory

import "sync"

// message is one queued delivery. data is shared with the other subscribers
// of the same Publish and must not be modified.
type message struct {
	subject string
	data    []byte
}

// queue is a subscription's bounded FIFO. It is a ring buffer that grows on
// demand up to its limit instead of a buffered channel, because a channel
// allocates its whole capacity up front: 8192 slots for each of thousands of
// mostly idle subscriptions would cost hundreds of megabytes.
type queue struct {
	mu     sync.Mutex
	buf    []message // ring; len(buf) is the current capacity
	head   int       // index of the oldest message
	n      int       // messages queued
	limit  int
	closed bool
	// wake holds a token when the consumer may have something to do. It is
	// signalled when the queue goes from empty to non-empty and on close.
	wake chan struct{}
}

func newQueue(limit int) *queue {
	return &queue{limit: limit, wake: make(chan struct{}, 1)}
}

// push appends m and reports whether it was dropped because the queue is
// full. After close, push discards m silently: the subscription is gone, so
// nothing was lost that anyone was waiting for.
func (q *queue) push(m message) (dropped bool) {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	if q.n == q.limit {
		q.mu.Unlock()
		return true
	}
	if q.n == len(q.buf) {
		q.grow()
	}
	i := q.head + q.n
	if i >= len(q.buf) {
		i -= len(q.buf)
	}
	q.buf[i] = m
	q.n++
	wasEmpty := q.n == 1
	q.mu.Unlock()
	if wasEmpty {
		q.signal()
	}
	return false
}

// grow doubles the ring (starting at 16, capped at limit), unrolling it so
// the oldest message is at index 0. Called with mu held and the ring full.
func (q *queue) grow() {
	size := min(max(2*len(q.buf), 16), q.limit)
	buf := make([]message, size)
	k := copy(buf, q.buf[q.head:])
	copy(buf[k:], q.buf[:q.head])
	q.buf, q.head = buf, 0
}

// pop blocks until a message is available and returns it, or returns false
// once the queue is closed, even if messages were still queued.
func (q *queue) pop() (message, bool) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return message{}, false
		}
		if q.n > 0 {
			m := q.buf[q.head]
			q.buf[q.head] = message{} // let the payload be collected
			q.head++
			if q.head == len(q.buf) {
				q.head = 0
			}
			q.n--
			q.mu.Unlock()
			return m, true
		}
		q.mu.Unlock()
		<-q.wake
	}
}

// close discards queued messages and makes pop return false. Idempotent.
func (q *queue) close() {
	q.mu.Lock()
	q.closed = true
	q.buf, q.head, q.n = nil, 0, 0
	q.mu.Unlock()
	q.signal()
}

func (q *queue) signal() {
	select {
	case q.wake <- struct{}{}:
	default: // a token is already pending; the consumer will look again
	}
}
