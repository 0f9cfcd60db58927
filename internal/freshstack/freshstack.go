// Package freshstack runs work that needs a deep stack away from a
// long-lived goroutine.
//
// A connection's reader lives as long as the connection and is parked in
// a read nearly all that time, which needs under 2 KiB of stack. The work
// a message starts (a login against the store, a subscription) needs tens
// of KiB, and a goroutine's stack that grew stays grown until garbage
// collections shrink it, by half per cycle at most (and only while less
// than a quarter is in use); an idle node collects rarely. Run on a short
// goroutine, the deep frames are freed when it ends and the reader keeps
// its small stack (docs/benchmarks.md, "Memory per idle connection").
package freshstack

// Run runs f on a new goroutine and waits for it to return. It costs a
// goroutine start and a channel handoff (about a microsecond); a panic in
// f is not recovered, as it would not be inline.
func Run(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
