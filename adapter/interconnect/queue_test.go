package interconnect

import (
	"testing"

	"github.com/switchboard-iot/switchboard/relay"
)

// A session can close while its writer still holds queued messages: the
// writer's next take frees their pair slots after close has already
// closed the space channel. That once panicked the whole server with
// "close of closed channel" (seen in the SDK tests when a watch hung up).
func TestOutQueueTakeAfterClose(t *testing.T) {
	q := newOutQueue(4, 2)
	if got, _ := q.offer("watch-1", []byte("m1")); got != relay.Queued {
		t.Fatalf("offer = %v, want queued", got)
	}
	q.close()
	if got := q.take(nil); len(got) != 1 || string(got[0].b) != "m1" {
		t.Fatalf("take after close = %v, want the one queued message", got)
	}
	if got, wait := q.offer("watch-1", []byte("m2")); got != relay.Gone || wait != nil {
		t.Fatalf("offer after close = %v, want gone", got)
	}
	if q.push([]byte("ctl")) {
		t.Fatal("push after close succeeded")
	}
}

// A sender parked on a full pair wakes when the writer takes a message.
func TestOutQueueFullPairWakesOnTake(t *testing.T) {
	q := newOutQueue(4, 1)
	q.offer("w", []byte("a"))
	got, wait := q.offer("w", []byte("b"))
	if got != relay.Full || wait == nil {
		t.Fatalf("offer on full pair = %v, want full with a wait channel", got)
	}
	q.take(nil)
	select {
	case <-wait:
	default:
		t.Fatal("take did not wake the waiting sender")
	}
	if got, _ := q.offer("w", []byte("b")); got != relay.Queued {
		t.Fatalf("offer after take = %v, want queued", got)
	}
}
