package partners

import "testing"

// fill takes attempts until the window is full and returns their tickets.
func fill(w *window) []ticket {
	var ts []ticket
	for {
		t, ok := w.take()
		if !ok {
			return ts
		}
		ts = append(ts, t)
	}
}

// TestWindowAIMD walks the window through its rules: slow start while
// full, no growth while not full, one halving per round trip of failures,
// the floor of 1, the ceiling, and slow start again after an outage.
func TestWindowAIMD(t *testing.T) {
	w := newWindow(64)
	if got := len(fill(w)); got != InitialInFlight {
		t.Fatalf("first fill took %d attempts, want %d", got, InitialInFlight)
	}
	for range InitialInFlight {
		w.forget()
	}

	// Slow start: every delivery of a full window adds one.
	for range 3 {
		ts := fill(w)
		for i := range ts {
			ts[i].full = true
		}
		for _, tk := range ts {
			w.done(tk, true)
		}
	}
	if s := w.size(); s != 32 {
		t.Fatalf("after three full round trips the window is %d, want 4→8→16→32", s)
	}

	// Not full: deliveries do not grow it.
	tk, _ := w.take()
	w.done(tk, true)
	if s := w.size(); s != 32 {
		t.Fatalf("a delivery from a window that was not full moved it to %d", s)
	}

	// One round trip of failures halves it once.
	ts := fill(w)
	for _, tk := range ts {
		w.done(tk, false)
	}
	if s := w.size(); s != 16 {
		t.Fatalf("32 failures of one round trip left a window of %d, want 16", s)
	}

	// Above the threshold it grows by just under one per round trip (1/w
	// per delivery, w growing meanwhile): 16 → 16.97 → 17.9 → 18.8.
	for range 3 {
		ts := fill(w)
		for i := range ts {
			ts[i].full = true
		}
		for _, tk := range ts {
			w.done(tk, true)
		}
	}
	if s := w.size(); s != 18 {
		t.Fatalf("three round trips in congestion avoidance from 16 gave %d, want 18", s)
	}

	// Failing round trips take it to the floor and no lower.
	run, atFloor := 0, false
	for range 10 {
		for _, tk := range fill(w) {
			run, atFloor = w.done(tk, false)
		}
	}
	if s := w.size(); s != 1 || !atFloor || run < probeAfter {
		t.Fatalf("after ten failing round trips: window %d, at floor %v, failures in a row %d", s, atFloor, run)
	}

	// Back after the outage: slow start again, up to the ceiling.
	for range 10 {
		ts := fill(w)
		for i := range ts {
			ts[i].full = true
		}
		for _, tk := range ts {
			w.done(tk, true)
		}
	}
	if s := w.size(); s != 64 {
		t.Fatalf("after recovering the window is %d, want the ceiling 64", s)
	}
	if got := len(fill(w)); got != 64 {
		t.Fatalf("a full window took %d attempts, want 64", got)
	}
}
