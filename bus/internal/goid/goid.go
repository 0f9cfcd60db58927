// Package goid tells goroutines apart, for the one thing the bus
// implementations need it for.
package goid

import (
	"bytes"
	"runtime"
)

// ID returns the calling goroutine's id, parsed from the
// "goroutine N [status]:" header runtime.Stack writes.
//
// Go deliberately has no API for this. The buses need it for one thing only:
// Unsubscribe and Close wait for a running handler to finish, and must not
// wait when they are called from inside that very handler. That is not the
// hot path (Publish never calls it). If the format ever changed the parse
// would yield 0 for every goroutine; wait would then return without waiting,
// which is still deadlock-free, and goid_test.go would fail.
func ID() uint64 {
	var buf [64]byte
	b := buf[:runtime.Stack(buf[:], false)]
	b, ok := bytes.CutPrefix(b, []byte("goroutine "))
	if !ok {
		return 0
	}
	var id uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			break
		}
		id = id*10 + uint64(c-'0')
	}
	return id
}
