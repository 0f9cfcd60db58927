package bench

import (
	"context"
	"sync/atomic"
	"time"
)

// runIdle connects every device and then every app, holds them for the
// duration, and reports the server RSS each kind added per connection:
// (RSS after the devices − RSS before) / devices, and the same for apps.
// RSS is what the process holds, so the figures include the heap's
// garbage-collection headroom: they are what a deployment pays.
func runIdle(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	metricsURL := t.httpURL + "/metrics"
	var connected atomic.Int64
	start := time.Now()
	devs, err := connectDevices(ctx, c, t, pool, f, deviceOpts{subscribe: true})
	if err != nil {
		return err
	}
	defer closeDevices(devs)
	connected.Add(int64(len(devs)))
	settle(ctx)
	mid, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		return err
	}
	ss, err := openSessions(ctx, c, t, pool, f)
	if err != nil {
		return err
	}
	defer closeSessions(ss)
	defer startHeartbeat(ss)()
	connected.Add(int64(len(ss)))
	connectTime := time.Since(start)
	settle(ctx)
	after, err := scrapeMetrics(ctx, metricsURL)
	if err != nil {
		return err
	}
	r.RSSPerDevice = (mid.RSSBytes - r.ServerBefore.RSSBytes) / float64(len(devs))
	if len(ss) > 0 {
		r.RSSPerApp = (after.RSSBytes - mid.RSSBytes) / float64(len(ss))
	}

	// Hold: the server keeps the sessions without traffic (keepalives and
	// heartbeats are minutes apart); report its figures each second.
	hold := time.Now()
	var held atomic.Int64
	held.Store(connected.Load())
	stopHold := startProgress(c.Progress, "idle holding", hold, &held, &held)
	select {
	case <-ctx.Done():
	case <-time.After(c.Duration):
	}
	stopHold()
	if r.ServerAfter, err = scrapeMetrics(ctx, metricsURL); err != nil {
		return err
	}
	r.DurationSec = time.Since(hold).Seconds()
	r.Sent = int64(len(devs) + len(ss))
	r.Expected = r.Sent
	r.Received = connected.Load()
	r.SentPerSec = float64(r.Sent) / connectTime.Seconds()
	r.RecvPerSec = r.SentPerSec
	r.Notes = append(r.Notes, "sent/received are connections; *_per_s is connections per second while connecting")
	return nil
}

// settle lets the server finish the work the connects started (online
// flags, first goroutine stacks) before its RSS is read.
func settle(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-time.After(500 * time.Millisecond):
	}
}
