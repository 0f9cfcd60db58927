// Package waitfor holds the one way Switchboard's connection adapters wait
// for their session goroutines at shutdown: hijacked connections are not
// waited for by http.Server.Shutdown, so each adapter waits itself, bounded.
package waitfor

import (
	"sync"
	"time"
)

// Group waits for wg up to timeout and reports whether it finished.
func Group(wg *sync.WaitGroup, timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-done:
		return true
	case <-t.C:
		return false
	}
}
