package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// runFlow is fanin and fanout: devices report at c.Rate in total (QoS 0),
// each report carrying its send time; apps receive the s2c_noti and record
// its age. In fanin device i reports to app i%apps (every app gets
// devices/apps of the stream); in fanout every device is bound to every
// app, so each report is delivered apps times.
func runFlow(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	devs, err := connectDevices(ctx, c, t, pool, f, deviceOpts{subscribe: true})
	if err != nil {
		return err
	}
	defer closeDevices(devs)
	ss, err := openSessions(ctx, c, t, pool, f)
	if err != nil {
		return err
	}
	defer startHeartbeat(ss)()
	var lat latencies
	var sent, expected, received, errs atomic.Int64
	rctx, stopReaders := context.WithCancel(ctx)
	var readers sync.WaitGroup
	for _, s := range ss {
		rec := lat.newRecorder()
		readers.Add(1)
		go func() {
			defer readers.Done()
			// Any end before the bench stops reading is the server's doing.
			if err := s.receive(rctx, rec, &received); err != nil && rctx.Err() == nil {
				errs.Add(1)
			}
		}()
	}
	defer func() { stopReaders(); closeSessions(ss); readers.Wait() }()

	start := time.Now()
	lat.begin(start)
	stopProgress := startProgress(c.Progress, c.Scenario, start, &sent, &received)
	paced(ctx, c.Duration, c.Rate, len(devs), func(i int) {
		frame, err := stampFrame(f.schema, time.Now(), -1)
		if err != nil {
			errs.Add(1)
			return
		}
		devs[i].client.Publish("dev2app/"+devs[i].did, 0, false, frame)
		sent.Add(1)
		expected.Add(int64(f.subscribers[i]))
	})
	loadTime := time.Since(start)
	drain(ctx, &received, expected.Load(), maxDrain)
	// Deliveries still arriving after the load stopped count, over the
	// time they took: an overloaded server is not credited with a backlog
	// it delivered late.
	deliverTime := time.Since(start)
	series := stopProgress()
	if r.ServerAfter, err = scrapeMetrics(ctx, t.httpURL+"/metrics"); err != nil {
		return err
	}
	stopReaders()
	readers.Wait()
	r.DurationSec = loadTime.Seconds()
	r.Sent, r.Expected, r.Received, r.Errors = sent.Load(), expected.Load(), received.Load(), errs.Load()
	r.SentPerSec = float64(r.Sent) / loadTime.Seconds()
	r.RecvPerSec = float64(r.Received) / deliverTime.Seconds()
	r.Latency = lat.summary()
	r.Series = lat.series(series)
	r.LatencyWhat = "device publish to app s2c_noti"
	if r.Errors > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("%d app sessions ended during the run (the server drops a session whose send queue is full: the load is past saturation)", r.Errors))
	}
	if r.Received == 0 {
		return errors.New("no report reached an app")
	}
	return nil
}

// maxDrain bounds the wait for deliveries after the load stopped.
const maxDrain = 30 * time.Second

// paced calls send(i) for i round-robin over n clients, rate times a
// second in total, for d. Sends are spread over a few goroutines that
// catch up every millisecond, so the rate holds without a timer per
// client. rate 0 sends as fast as the goroutines can.
func paced(ctx context.Context, d time.Duration, rate float64, n int, send func(i int)) {
	workers := min(n, 8)
	start := time.Now()
	deadline := start.Add(d)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			share := rate / float64(workers)
			var done int64
			next := w
			tick := time.NewTicker(time.Millisecond)
			defer tick.Stop()
			for {
				now := time.Now()
				if now.After(deadline) || ctx.Err() != nil {
					return
				}
				due := int64(now.Sub(start).Seconds()*share) - done
				if rate == 0 {
					due = 64
				}
				for ; due > 0; due-- {
					send(next)
					done++
					next += workers
					if next >= n {
						next = w
					}
				}
				if rate > 0 {
					<-tick.C
				}
			}
		}()
	}
	wg.Wait()
}

// drain waits for what is still in flight: until received reaches want,
// nothing arrived for a second, or maxWait passed (a backlog that drains
// slowly is left behind and shows as received < expected).
func drain(ctx context.Context, received *atomic.Int64, want int64, maxWait time.Duration) {
	last, lastAt := received.Load(), time.Now()
	for deadline := time.Now().Add(maxWait); ctx.Err() == nil && time.Now().Before(deadline); {
		n := received.Load()
		if n >= want {
			return
		}
		if n != last {
			last, lastAt = n, time.Now()
		} else if time.Since(lastAt) > time.Second {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}
