//go:build !race

package datapoint

const raceEnabled = false
