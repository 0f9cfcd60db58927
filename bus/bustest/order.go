package bustest

import (
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"

	"github.com/switchboard-iot/switchboard/bus"
)

// testOrder: one publisher's messages reach a subscription in publish order,
// none lost or repeated. The publisher reuses one buffer throughout, which
// the copy guarantee allows, and pauses every batch until the subscriber has
// caught up so a queue of modest size never overflows.
func testOrder(t *testing.T, b bus.Bus) {
	const total, batch = 10_000, 1_000
	var (
		mu   sync.Mutex
		next uint64
		errs []string
	)
	subscribe(t, b, "order", func(_ string, data []byte) {
		seq := binary.BigEndian.Uint64(data)
		mu.Lock()
		defer mu.Unlock()
		if seq != next && len(errs) < 10 {
			errs = append(errs, fmt.Sprintf("got %d, want %d", seq, next))
		}
		next = seq + 1
	})
	received := func() uint64 { mu.Lock(); defer mu.Unlock(); return next }

	buf := make([]byte, 8)
	for i := range uint64(total) {
		binary.BigEndian.PutUint64(buf, i)
		if err := b.Publish(context.Background(), "order", buf); err != nil {
			t.Fatal(err)
		}
		if (i+1)%batch == 0 {
			eventually(t, fmt.Sprintf("message %d", i), func() bool { return received() > i })
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, e := range errs {
		t.Error("out of order: " + e)
	}
	if got := b.Dropped(); got != 0 {
		t.Errorf("Dropped() = %d with a subscriber that keeps up, want 0", got)
	}
}

// testConcurrentPublishers: with 8 publishers at once, a subscriber gets
// every message exactly once and each publisher's messages in its order.
func testConcurrentPublishers(t *testing.T, b bus.Bus) {
	const publishers, each, batch = 8, 1_000, 250
	var (
		mu   sync.Mutex
		next [publishers]uint32
		errs []string
	)
	subscribe(t, b, "many.>", func(_ string, data []byte) {
		p, seq := data[0], binary.BigEndian.Uint32(data[1:])
		mu.Lock()
		defer mu.Unlock()
		if int(p) >= publishers {
			errs = append(errs, fmt.Sprintf("unknown publisher %d", p))
			return
		}
		if seq != next[p] && len(errs) < 10 {
			errs = append(errs, fmt.Sprintf("publisher %d: got %d, want %d", p, seq, next[p]))
		}
		next[p] = seq + 1
	})
	received := func(p int) uint32 { mu.Lock(); defer mu.Unlock(); return next[p] }

	var wg sync.WaitGroup
	for p := range publishers {
		wg.Go(func() {
			subject := fmt.Sprintf("many.%d", p)
			buf := make([]byte, 5)
			buf[0] = byte(p)
			for i := range uint32(each) {
				binary.BigEndian.PutUint32(buf[1:], i)
				if err := b.Publish(context.Background(), subject, buf); err != nil {
					t.Error(err)
					return
				}
				if (i+1)%batch == 0 && !poll(func() bool { return received(p) > i }) {
					t.Errorf("publisher %d: message %d not delivered", p, i)
					return
				}
			}
		})
	}
	wg.Wait()

	mu.Lock()
	defer mu.Unlock()
	for _, e := range errs {
		t.Error("out of order: " + e)
	}
	for p, n := range next {
		if n != each {
			t.Errorf("publisher %d: %d messages delivered, want %d", p, n, each)
		}
	}
}
