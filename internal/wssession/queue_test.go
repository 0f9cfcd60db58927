package wssession

import (
	"testing"
)

// A session can close while its writer still holds queued messages: the
// writer's next take frees their pair slots after close has already
// closed the space channel. That once panicked the whole server with
// "close of closed channel" (seen in the SDK tests when a watch hung up).
func TestQueueTakeAfterClose(t *testing.T) {
	q := NewQueue(4, 2)
	if got, _ := q.Offer("watch-1", []byte("m1")); got != Queued {
		t.Fatalf("offer = %v, want queued", got)
	}
	q.Close()
	if got := q.Take(nil, 0); len(got) != 1 || string(got[0].B) != "m1" {
		t.Fatalf("take after close = %v, want the one queued message", got)
	}
	if got, wait := q.Offer("watch-1", []byte("m2")); got != Gone || wait != nil {
		t.Fatalf("offer after close = %v, want gone", got)
	}
	if q.Push([]byte("ctl")) {
		t.Fatal("push after close succeeded")
	}
}

// A sender parked on a full pair wakes when the writer takes a message.
func TestQueueFullPairWakesOnTake(t *testing.T) {
	q := NewQueue(4, 1)
	q.Offer("w", []byte("a"))
	got, wait := q.Offer("w", []byte("b"))
	if got != Full || wait == nil {
		t.Fatalf("offer on full pair = %v, want full with a wait channel", got)
	}
	q.Take(nil, 0)
	select {
	case <-wait:
	default:
		t.Fatal("take did not wake the waiting sender")
	}
	if got, _ := q.Offer("w", []byte("b")); got != Queued {
		t.Fatalf("offer after take = %v, want queued", got)
	}
}

// Take with a batch of one leaves the rest queued, still counted against
// the limit, and wakes the writer again for them.
func TestQueueTakeOneAtATime(t *testing.T) {
	q := NewQueue(2, 0)
	if !q.Push([]byte("a")) || !q.Push([]byte("b")) {
		t.Fatal("push within the limit refused")
	}
	if q.Push([]byte("c")) {
		t.Fatal("push over the limit accepted")
	}
	wake := q.wakeChan() // made after the pushes: already signalled
	<-wake
	if got := q.Take(nil, 1); len(got) != 1 || string(got[0].B) != "a" {
		t.Fatalf("Take(1) = %v, want a", got)
	}
	select {
	case <-wake:
	default:
		t.Fatal("a frame is left but the writer was not woken")
	}
	if !q.Push([]byte("c")) {
		t.Fatal("push after a take refused")
	}
	if q.Push([]byte("d")) {
		t.Fatal("push over the limit accepted after one take")
	}
	if got := q.Take(nil, 0); len(got) != 2 || string(got[0].B) != "b" || string(got[1].B) != "c" {
		t.Fatalf("Take(all) = %v, want b, c", got)
	}
}
