//go:build race

package p0

// raceEnabled: the race detector's instrumentation adds allocations of its
// own, so exact allocation counts are only asserted without it.
const raceEnabled = true
