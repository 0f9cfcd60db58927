//go:build !race

package p0

const raceEnabled = false
