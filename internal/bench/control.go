package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// runControl: each app writes Speed to its devices in turn with a req_sn
// (a 0x0093 to the device), the device acknowledges with an empty 0x0094
// of the same sn, and the app receives s2c_ack with that res_sn. One write
// is in flight per app; the latency is the whole round trip. With --rate
// the apps together make at most that many writes a second.
func runControl(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, r *Result) error {
	var acks atomic.Int64
	devs, err := connectDevices(ctx, c, t, pool, f, deviceOpts{subscribe: true, answer: true, acks: &acks})
	if err != nil {
		return err
	}
	defer closeDevices(devs)
	ss, err := openSessions(ctx, c, t, pool, f)
	if err != nil {
		return err
	}
	defer closeSessions(ss)
	defer startHeartbeat(ss)()
	var lat latencies
	var sent, received, errs atomic.Int64
	start := time.Now()
	deadline := start.Add(c.Duration)
	lat.begin(start)
	stop := startProgress(c.Progress, "control", start, &sent, &received)
	var interval time.Duration
	if c.Rate > 0 {
		interval = time.Duration(float64(len(ss)) / c.Rate * float64(time.Second))
	}
	var wg sync.WaitGroup
	for u, s := range ss {
		if len(f.bound[u]) == 0 {
			continue
		}
		rec := lat.newRecorder()
		wg.Add(1)
		go func() {
			defer wg.Done()
			next := time.Now()
			for sn := uint32(1); time.Now().Before(deadline) && ctx.Err() == nil; sn++ {
				if interval > 0 {
					time.Sleep(time.Until(next))
					next = next.Add(interval)
				}
				did := f.devices[f.bound[u][int(sn)%len(f.bound[u])]].did
				rtt, err := s.roundTrip(ctx, did, sn)
				sent.Add(1)
				if err != nil {
					errs.Add(1)
					return
				}
				rec.add(rtt)
				received.Add(1)
			}
		}()
	}
	wg.Wait()
	return finishRoundTrips(ctx, t, r, start, stop(), &lat, &sent, &received, &errs,
		"c2s_write with req_sn to s2c_ack (through the device's 0x0094)", "no write was acknowledged")
}

// controlTimeout bounds one round trip; a lost one ends that app's loop.
const controlTimeout = 10 * time.Second

func (s *session) roundTrip(ctx context.Context, did string, sn uint32) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, controlTimeout)
	defer cancel()
	msg, _ := json.Marshal(map[string]any{"cmd": "c2s_write", "req_sn": sn,
		"data": map[string]any{"did": did, "attrs": map[string]any{"Speed": sn % 100}}})
	sentAt := time.Now()
	if err := s.conn.Write(ctx, websocket.MessageText, msg); err != nil {
		return 0, err
	}
	want := []byte(`"res_sn":` + strconv.FormatUint(uint64(sn), 10))
	for {
		_, m, err := s.conn.Read(ctx)
		if err != nil {
			return 0, err
		}
		if bytes.Contains(m, []byte(`"cmd":"s2c_ack"`)) && (bytes.Contains(m, append(want, ',')) || bytes.Contains(m, append(want, '}'))) {
			return time.Since(sentAt), nil
		}
		if bytes.Contains(m, []byte(`"cmd":"s2c_invalid_msg"`)) {
			return 0, fmt.Errorf("write refused: %s", m)
		}
	}
}
