package goid

import "testing"

// TestID guards the runtime.Stack parsing Unsubscribe relies on.
func TestID(t *testing.T) {
	me := ID()
	if me == 0 {
		t.Fatal("ID() = 0; runtime.Stack format changed?")
	}
	if again := ID(); again != me {
		t.Errorf("ID() not stable: %d then %d", me, again)
	}
	other := make(chan uint64)
	go func() { other <- ID() }()
	if id := <-other; id == me || id == 0 {
		t.Errorf("another goroutine got id %d, this one %d", id, me)
	}
}
