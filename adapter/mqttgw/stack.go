package mqttgw

// onFreshStack runs f on a goroutine of its own and waits for it. mochi
// calls the hooks on the device's read loop, a goroutine that lives as long
// as the connection; what the CONNECT path does there (store lookups and
// writes, several KiB of frames deep) would grow that goroutine's stack to
// 32-64 KiB, which the garbage collector only halves once per cycle. Run
// here, the deep frames live on a short goroutine whose stack is freed when
// it ends, and the read loop keeps the few KiB an idle read needs.
func onFreshStack(f func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	<-done
}
