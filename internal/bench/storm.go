package bench

import (
	"context"
	"errors"
	"sync/atomic"
	"time"
)

// runStorm connects every registered device at once, c.Concurrency
// connects in flight, each authenticated (did/passcode) by the server:
// connects per second, and the CONNACK latency of each. No subscriptions,
// so the figure is the CONNECT path alone.
func runStorm(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	var lat latencies
	var sent, received, errs atomic.Int64
	recs := make(chan *recorder, c.Concurrency)
	for range c.Concurrency {
		recs <- lat.newRecorder()
	}
	devs := make([]*device, len(f.devices))
	defer func() { closeDevices(devs) }()
	start := time.Now()
	lat.begin(start)
	stop := startProgress(c.Progress, "storm", start, &sent, &received)
	_ = parallelN(ctx, len(devs), c.Concurrency, func(ctx context.Context, i int) error {
		rec := <-recs
		defer func() { recs <- rec }()
		sent.Add(1)
		at := time.Now()
		d, err := connectDevice(ctx, t, pool, f.productKey, i, f.devices[i], deviceOpts{})
		if err != nil {
			errs.Add(1)
			return nil
		}
		rec.add(time.Since(at))
		devs[i] = d
		received.Add(1)
		return nil
	})
	elapsed := time.Since(start)
	series := stop()
	var err error
	if r.ServerAfter, err = scrapeMetrics(ctx, t.httpURL+"/metrics"); err != nil {
		return err
	}
	r.DurationSec = elapsed.Seconds()
	r.Sent, r.Received, r.Errors = sent.Load(), received.Load(), errs.Load()
	r.Expected = r.Sent
	r.SentPerSec = float64(r.Sent) / elapsed.Seconds()
	r.RecvPerSec = float64(r.Received) / elapsed.Seconds()
	r.Latency = lat.summary()
	r.Series = lat.series(series)
	r.LatencyWhat = "TCP connect + MQTT CONNECT to CONNACK"
	r.Notes = append(r.Notes, "storm ignores --duration: it lasts as long as connecting every device takes")
	if r.Received == 0 {
		return errors.New("no device connected")
	}
	return nil
}
