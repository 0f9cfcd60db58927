package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// runQoS1: every device publishes QoS 1 reports, one at a time, and waits
// for the PUBACK, which the server sends once the report is stored. So
// received_per_s is persisted reports a second, and the latency is publish
// to PUBACK. With --rate the devices together publish at most that many a
// second; without, as fast as the acks come back.
func runQoS1(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	devs, err := connectDevices(ctx, c, t, pool, f, deviceOpts{subscribe: true})
	if err != nil {
		return err
	}
	defer closeDevices(devs)
	var lat latencies
	var sent, received, errs atomic.Int64
	start := time.Now()
	deadline := start.Add(c.Duration)
	lat.begin(start)
	stop := startProgress(c.Progress, "qos1", start, &sent, &received)
	var interval time.Duration
	if c.Rate > 0 {
		interval = time.Duration(float64(len(devs)) / c.Rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for _, d := range devs {
		rec := lat.newRecorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				if interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(interval)
				}
				at := time.Now()
				frame, err := stampFrame(f.schema, at, -1)
				if err != nil {
					errs.Add(1)
					return
				}
				sent.Add(1)
				tok := d.client.Publish("dev2app/"+d.did, 1, false, frame)
				if !tok.WaitTimeout(controlTimeout) || tok.Error() != nil {
					errs.Add(1)
					return
				}
				rec.add(time.Since(at))
				received.Add(1)
			}
		}()
	}
	wg.Wait()
	return finishRoundTrips(ctx, t, r, start, stop(), &lat, &sent, &received, &errs,
		"QoS 1 PUBLISH to PUBACK (after the store commit)", "no QoS 1 report was acknowledged")
}

// finishRoundTrips fills r for a scenario of acknowledged round trips
// (control, qos1): every send expects its acknowledgement.
func finishRoundTrips(ctx context.Context, t *target, r *Result, start time.Time, points []Point, lat *latencies,
	sent, received, errs *atomic.Int64, what, noneAcked string) error {
	loadTime := time.Since(start)
	var err error
	if r.ServerAfter, err = scrapeMetrics(ctx, t.httpURL+"/metrics"); err != nil {
		return err
	}
	r.DurationSec = loadTime.Seconds()
	r.Sent, r.Received, r.Errors = sent.Load(), received.Load(), errs.Load()
	r.Expected = r.Sent
	r.SentPerSec = float64(r.Sent) / loadTime.Seconds()
	r.RecvPerSec = float64(r.Received) / loadTime.Seconds()
	r.Latency = lat.summary()
	r.Series = lat.series(points)
	r.LatencyWhat = what
	if r.Received == 0 {
		return errors.New(noneAcked)
	}
	return nil
}
