package memory

import "testing"

// TestGoroutineID guards the runtime.Stack parsing Unsubscribe relies on.
func TestGoroutineID(t *testing.T) {
	me := goroutineID()
	if me == 0 {
		t.Fatal("goroutineID() = 0; runtime.Stack format changed?")
	}
	if again := goroutineID(); again != me {
		t.Errorf("goroutineID() not stable: %d then %d", me, again)
	}
	other := make(chan uint64)
	go func() { other <- goroutineID() }()
	if id := <-other; id == me || id == 0 {
		t.Errorf("another goroutine got id %d, this one %d", id, me)
	}
}
