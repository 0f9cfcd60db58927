package gizws_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
)

// BenchmarkReportToNoti: one device reports, N WebSocket sessions are
// subscribed; each op is one report delivered to all N. Reported: msgs/s
// delivered (reports × sessions per second) and p50/p99 latency from the
// device's publish to a session's receipt of the s2c_noti. The device
// keeps at most `window` reports in flight (fewer than a session's queue)
// so the benchmark measures delivery, not the drop policy.
func BenchmarkReportToNoti(b *testing.B) {
	for _, n := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) { benchReportToNoti(b, n) })
	}
}

func benchReportToNoti(b *testing.B, sessions int) {
	const window = 16
	f := newFixture(b)
	uid, token := f.user(b)
	dev := f.mqttDeviceOf(b, f.fanKey, uid)

	pubAt := make([]atomic.Int64, b.N)
	progress := make(chan struct{}, 1)
	var received atomic.Int64
	readers := make([]*benchReader, sessions)
	for i := range readers {
		c := dialURL(b, f.wsURL, dialOpts{noReader: true})
		c.sendLogin(f.appID, uid, token, loginOpts{})
		readUntil(b, c.conn, "login_res")
		c.send("subscribe_req", []map[string]string{{"did": dev.did}})
		readUntil(b, c.conn, "s2c_online_status")
		readers[i] = &benchReader{conn: c.conn, pubAt: pubAt, received: &received, progress: progress, lat: make([]time.Duration, 0, b.N)}
	}
	var wg sync.WaitGroup
	for _, r := range readers {
		wg.Add(1)
		go func() { defer wg.Done(); r.run(b.N) }()
	}
	frames := make([][]byte, b.N)
	for i := range frames {
		frames[i] = reportFrame(b, f.fanSchema, i)
	}

	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		// Wait until every session has all but the last window reports.
		for received.Load() < int64(i-window+1)*int64(sessions) {
			select {
			case <-progress:
			case <-time.After(waitFor):
				b.Fatalf("stalled at report %d: %d of %d received", i, received.Load(), int64(i-window+1)*int64(sessions))
			}
		}
		pubAt[i].Store(time.Now().UnixNano())
		if tok := dev.c.Publish("dev2app/"+dev.did, 0, false, frames[i]); tok.Error() != nil {
			b.Fatal(tok.Error())
		}
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()

	var lat []time.Duration
	for _, r := range readers {
		if r.err != nil {
			b.Fatal(r.err)
		}
		lat = append(lat, r.lat...)
	}
	slices.Sort(lat)
	b.ReportMetric(float64(len(lat))/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
}

// readUntil reads raw messages until one of that cmd.
func readUntil(b testing.TB, conn *websocket.Conn, cmd string) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	want := []byte(`"cmd":"` + cmd + `"`)
	for {
		_, m, err := conn.Read(ctx)
		if err != nil {
			b.Fatalf("waiting for %s: %v", cmd, err)
		}
		if bytes.Contains(m, want) {
			return
		}
	}
}

// run reads n reports and records their latencies.
func (r *benchReader) run(n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	for len(r.lat) < n {
		_, m, err := r.conn.Read(ctx)
		if err != nil {
			r.err = err
			return
		}
		now := time.Now().UnixNano()
		seq, ok := seqOf(m)
		if !ok || seq >= n {
			continue
		}
		r.lat = append(r.lat, time.Duration(now-r.pubAt[seq].Load()))
		r.received.Add(1)
		select {
		case r.progress <- struct{}{}:
		default:
		}
	}
}

type benchReader struct {
	conn     *websocket.Conn
	pubAt    []atomic.Int64
	received *atomic.Int64
	progress chan struct{}
	lat      []time.Duration
	err      error
}

var labelKey = []byte(`"Label":[`)

// seqOf reads the sequence number the benchmark puts in the fan's 8-byte
// Label datapoint, without decoding the whole message.
func seqOf(msg []byte) (int, bool) {
	i := bytes.Index(msg, labelKey)
	if i < 0 {
		return 0, false
	}
	rest := msg[i+len(labelKey):]
	end := bytes.IndexByte(rest, ']')
	if end < 0 {
		return 0, false
	}
	var v [8]byte
	for k, part := range bytes.Split(rest[:end], []byte(",")) {
		if k >= 8 {
			return 0, false
		}
		x, err := strconv.Atoi(string(part))
		if err != nil {
			return 0, false
		}
		v[k] = byte(x)
	}
	return int(binary.BigEndian.Uint64(v[:])), true
}

func reportFrame(b testing.TB, schema *datapoint.Schema, seq int) []byte {
	m := schema.NewMessage(datapoint.ActionVarReport)
	var v [8]byte
	binary.BigEndian.PutUint64(v[:], uint64(seq))
	if err := schema.Set(m, "Label", v[:]); err != nil {
		b.Fatal(err)
	}
	payload, err := schema.Append(nil, m)
	if err != nil {
		b.Fatal(err)
	}
	return p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload})
}
