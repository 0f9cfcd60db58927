//go:build race

package datapoint

// raceEnabled: the race detector makes sync.Pool drop items at random, so
// a pool cannot promise no allocations under it.
const raceEnabled = true
