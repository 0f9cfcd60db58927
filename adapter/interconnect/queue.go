package interconnect

import (
	"sync"

	"github.com/switchboard-iot/switchboard/relay"
)

// outQueue is a session's bounded send queue. Control frames (results,
// events) count against one limit, and a client that lets it fill is
// closed, as gizws does. Relayed messages count against a limit per pair
// (per source watch, for a phone), and a full pair makes the sender wait
// (relay.Relay.offer) instead: backpressure reaches the sender as a
// 204 / -2 timeout rather than a lost message.
type outQueue struct {
	mu      sync.Mutex
	items   []item
	control int // control frames queued
	perPair map[string]int
	space   chan struct{} // closed when a message leaves the queue
	wake    chan struct{} // cap 1: tells the writer there is work
	closed  bool
	ctrlMax int
	pairMax int
}

type item struct {
	b    []byte
	pair string // "" for control frames
	msg  bool
}

func newOutQueue(ctrlMax, pairMax int) *outQueue {
	return &outQueue{perPair: make(map[string]int), space: make(chan struct{}), wake: make(chan struct{}, 1),
		ctrlMax: ctrlMax, pairMax: pairMax}
}

// push queues a control frame; false when the queue is full or closed.
func (q *outQueue) push(b []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.control >= q.ctrlMax {
		return false
	}
	q.control++
	q.items = append(q.items, item{b: b})
	q.poke()
	return true
}

// offer queues a relayed message of pair unless that pair is at its limit.
func (q *outQueue) offer(pair string, b []byte) (relay.Offer, <-chan struct{}) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case q.closed:
		return relay.Gone, nil
	case q.perPair[pair] >= q.pairMax:
		return relay.Full, q.space
	}
	q.perPair[pair]++
	q.items = append(q.items, item{b: b, pair: pair, msg: true})
	q.poke()
	return relay.Queued, nil
}

func (q *outQueue) poke() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

// take removes everything queued, freeing pair slots for waiting senders.
func (q *outQueue) take(dst []item) []item {
	q.mu.Lock()
	defer q.mu.Unlock()
	dst = append(dst, q.items...)
	clear(q.items)
	q.items = q.items[:0]
	q.control = 0
	freed := false
	for _, it := range dst {
		if it.msg {
			if q.perPair[it.pair]--; q.perPair[it.pair] <= 0 {
				delete(q.perPair, it.pair)
			}
			freed = true
		}
	}
	// Once closed, space is closed for good (close woke every sender), and
	// the writer may still drain what was queued before.
	if freed && !q.closed {
		close(q.space)
		q.space = make(chan struct{})
	}
	return dst
}

// close makes later pushes and offers fail; waiting senders wake and see
// relay.Gone.
func (q *outQueue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !q.closed {
		q.closed = true
		close(q.space)
	}
}
