package partners

import (
	"math"
	"sync"
)

// A partner's lane keeps as many attempts in flight as its window allows,
// and the window follows the partner (AIMD, as TCP's congestion window):
//
//   - it starts at InitialInFlight (4) and grows while the partner keeps
//     up: by one per acknowledged attempt below the slow-start threshold
//     (so it doubles every round trip) and by 1/window per acknowledged
//     attempt above it (one more per round trip);
//   - any failed attempt halves it, at most once per round trip: only a
//     failure of an attempt started after the last cut cuts again, so the
//     hundred failures of one outage cost one halving per round trip, not a
//     hundred; the threshold drops to the halved window;
//   - it never leaves [1, MaxInFlight];
//   - the first delivery after an outage (probeAfter failures in a row at a
//     window of 1) resets the threshold to MaxInFlight: the window doubles
//     per round trip again instead of creeping up by one;
//   - it grows only when it was full when the acknowledged attempt started:
//     a partner that gets few pushes does not earn a window it never used.
//
// A lane whose window is down to 1 and whose attempts keep failing also
// waits between attempts (lane.go), so a dead partner gets one probe at a
// time instead of having every due push fail and back off.

// InitialInFlight is the window of a lane's first attempts.
const InitialInFlight = 4

// window is one lane's AIMD limit on attempts in flight.
type window struct {
	mu       sync.Mutex
	limit    float64 // the window; its floor is the attempts allowed
	ceil     float64
	ssthresh float64 // below it the window grows by 1 per ack, above by 1/limit
	epoch    uint64  // cuts so far
	inFlight int
	failRun  int // failures in a row
}

// ticket is what an attempt carries from take to done.
type ticket struct {
	epoch uint64
	full  bool // the window was full when it started
}

func newWindow(ceil int) *window {
	c := float64(max(ceil, 1))
	return &window{limit: min(InitialInFlight, c), ceil: c, ssthresh: c}
}

// take starts an attempt if the window allows one more.
func (w *window) take() (ticket, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.inFlight >= w.allowed() {
		return ticket{}, false
	}
	w.inFlight++
	return ticket{epoch: w.epoch, full: w.inFlight >= w.allowed()}, true
}

// done ends an attempt: delivered grows the window, a failure cuts it. It
// returns the failures in a row so far (0 after a delivery) and whether the
// window is at its floor.
func (w *window) done(t ticket, delivered bool) (failRun int, atFloor bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.inFlight--
	switch {
	case delivered:
		if w.failRun >= probeAfter && w.allowed() == 1 {
			// The partner is back after an outage (the lane was probing):
			// its capacity is unknown, not small, so slow-start again.
			w.ssthresh = w.ceil
		}
		w.failRun = 0
		if !t.full {
			break
		}
		if w.limit < w.ssthresh {
			w.limit++
		} else {
			w.limit += 1 / w.limit
		}
		w.limit = min(w.limit, w.ceil)
	default:
		w.failRun++
		if t.epoch == w.epoch { // started after the last cut
			w.limit = max(1, math.Floor(w.limit/2))
			w.ssthresh = w.limit
			w.epoch++
		}
	}
	return w.failRun, w.allowed() == 1
}

// forget ends an attempt whose outcome says nothing about the partner
// (the lane is closing).
func (w *window) forget() {
	w.mu.Lock()
	w.inFlight--
	w.mu.Unlock()
}

// size is the window now (attempts allowed in flight).
func (w *window) size() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.allowed()
}

func (w *window) allowed() int { return int(w.limit) }
