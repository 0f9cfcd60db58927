package memory

import "testing"

// TestQueueWrapAndGrow: FIFO order survives the ring wrapping around and
// growing while wrapped, and the limit is exact.
func TestQueueWrapAndGrow(t *testing.T) {
	q := newQueue(100)
	next, want := 0, 0
	push := func(n int) {
		for range n {
			if q.push(message{data: []byte{byte(next)}}) {
				t.Fatalf("push %d dropped", next)
			}
			next++
		}
	}
	pop := func(n int) {
		for range n {
			m, ok := q.pop()
			if !ok || int(m.data[0]) != want%256 {
				t.Fatalf("pop = %v %v, want %d", m.data, ok, want)
			}
			want++
		}
	}
	push(10)
	pop(7)
	push(12) // wraps the 16-slot ring
	push(30) // grows while wrapped
	pop(20)
	push(75) // 25 queued + 75: exactly at the limit of 100
	if !q.push(message{}) {
		t.Fatal("push beyond the limit was accepted")
	}
	pop(100)
	q.close()
	if _, ok := q.pop(); ok {
		t.Fatal("pop after close returned a message")
	}
	if q.push(message{}) {
		t.Fatal("push after close reported a drop")
	}
}
