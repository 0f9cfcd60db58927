package mqttgw_test

// Gateway benchmarks over real loopback sockets. Run them with
//
//	go test -run XXX -bench . -benchmem ./adapter/mqttgw/
//
// docs/benchmarks.md has the figures and the exact flags used for them.

import (
	"fmt"
	"net"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// uplinkInFlight is how many frames may be between the devices' sockets
// and the bus subscribers at once, in total whatever the number of devices,
// so the sub-benchmarks differ only in how the same load is spread over
// connections. The senders are closed-loop: this bounds the subscription
// queues (no bus drops, whatever the relative speed of publisher and
// subscriber) and, by Little's law, the latency measured under load.
const uplinkInFlight = 64

// uplinkDevices is the largest device count of BenchmarkUplinkToBus.
const uplinkDevices = 100

var epoch = time.Now()

// monoNow is a monotonic timestamp that fits an atomic.Int64.
func monoNow() int64 { return int64(time.Since(epoch)) }

// BenchmarkUplinkToBus measures the uplink path end to end: a QoS 0 PUBLISH
// of a demo-lamp report on dev2app/<did> over TCP, mochi's read loop, the
// gateway's auth/ACL hooks, P0 and datapoint decoding, the state merge, the
// JSON event, and delivery to a bus subscriber of sb.dev.<did>.data that
// decodes the event as an app-side adapter would. One op is one frame; b.N
// frames are spread over the devices, which send in parallel.
//
// Every frame carries a sequence number; each device's subscriber checks
// that its frames arrive complete and in order, as report events, and
// records publish-to-delivery latency. msgs/s is frames delivered per
// second of wall time; p50-us and p99-us are latencies under that load
// (closed loop, uplinkInFlight frames in flight in all). The latency
// sub-benchmark has one frame in flight at a time: unloaded latency.
//
// The devices are raw sockets driven with paho's packet codec, so the
// client costs one write(2) per frame; client=paho shows the same path
// with paho's client, whose per-message cost shares the two CPUs.
func BenchmarkUplinkToBus(b *testing.B) {
	ub := newUplinkBench(b)
	for _, n := range []int{1, 10, uplinkDevices} {
		b.Run(fmt.Sprintf("devices=%d", n), func(b *testing.B) {
			ub.run(b, ub.raw[:n], uplinkInFlight)
		})
	}
	b.Run("latency/devices=1", func(b *testing.B) {
		ub.run(b, ub.raw[:1], 1)
	})
	b.Run("client=paho/devices=1", func(b *testing.B) {
		ub.run(b, []*benchDevice{ub.paho}, uplinkInFlight)
	})
}

// uplinkBench is one node with uplinkDevices raw devices and one paho device
// connected, each with its own bus subscription.
type uplinkBench struct {
	srv   *testserver.Server
	raw   []*benchDevice
	paho  *benchDevice
	drops float64 // bus drops counted before the current run
}

// benchDevice is one connected device and its subscriber.
type benchDevice struct {
	dev adminclient.Device
	// send publishes frame k of the current run.
	send func(k int) error
	// run is the current sub-benchmark's state; nil between runs.
	run   atomic.Pointer[deviceRun]
	stray atomic.Int64 // events seen outside a run
}

// deviceRun is one device's part of one benchmark run.
type deviceRun struct {
	n      int
	window chan struct{} // a token per frame in flight, shared by the run's devices
	sentAt []atomic.Int64
	left   *atomic.Int64 // frames of the whole run not yet delivered
	done   chan struct{} // closed when left reaches 0
	// Written only by the device's subscription goroutine.
	next int
	lat  []time.Duration
	bad  int
	err  error
}

func newUplinkBench(b *testing.B) *uplinkBench {
	b.Helper()
	srv := quietServer(b)
	p, _ := srv.CreateProduct(b, "demo-lamp.json")
	devs := registerDevices(b, srv, p.ProductKey, uplinkDevices+1)
	ub := &uplinkBench{srv: srv}
	subscribe := func(d *benchDevice) {
		sub, err := srv.Node().Bus().Subscribe(core.SubjectData(d.dev.DID), d.onEvent)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = sub.Unsubscribe() })
	}
	for _, dev := range devs[:uplinkDevices] {
		conn, err := dialDevice(srv.MQTTAddr, dev, p.ProductKey)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { conn.Close() })
		drain(conn)
		pkt, off := publishPacket("dev2app/"+dev.DID, seqFrame(0))
		d := &benchDevice{dev: dev, send: func(k int) error {
			putSeq(pkt, off, k)
			_, err := conn.Write(pkt)
			return err
		}}
		subscribe(d)
		ub.raw = append(ub.raw, d)
	}

	dev := devs[uplinkDevices]
	c := paho.NewClient(paho.NewClientOptions().
		AddBroker("tcp://" + srv.MQTTAddr).
		SetClientID(dev.DID).SetUsername(dev.DID).SetPassword(dev.Passcode).
		SetProtocolVersion(4).SetCleanSession(true).
		SetAutoReconnect(false).SetConnectRetry(false).
		SetConnectTimeout(10 * time.Second).SetKeepAlive(120 * time.Second))
	if err := waitToken(c.Connect()); err != nil {
		b.Fatalf("paho connect: %v", err)
	}
	b.Cleanup(func() { c.Disconnect(0) })
	for _, topic := range []string{"ser2cli_noti/" + p.ProductKey, "ser2cli_res/" + dev.DID, "app2dev/" + dev.DID + "/#"} {
		if err := waitToken(c.Subscribe(topic, 0, nil)); err != nil {
			b.Fatalf("paho subscribe %s: %v", topic, err)
		}
	}
	topic := "dev2app/" + dev.DID
	ub.paho = &benchDevice{dev: dev, send: func(k int) error {
		// paho keeps the payload until its writer goroutine has sent it,
		// so each message needs its own.
		return c.Publish(topic, 0, false, seqFrame(k)).Error()
	}}
	subscribe(ub.paho)
	return ub
}

// onEvent is the device's bus subscriber: it decodes the event like an
// app-side adapter, checks it is the next frame, and frees a window slot.
func (d *benchDevice) onEvent(_ string, data []byte) {
	now := monoNow()
	r := d.run.Load()
	if r == nil {
		d.stray.Add(1)
		return
	}
	if r.next >= r.n {
		r.bad++ // more events than frames; no slot to free
		return
	}
	ev, err := core.DecodeDeviceEvent(data)
	if err == nil && ev.Kind != core.EventReport {
		err = fmt.Errorf("event kind %q, want report", ev.Kind)
	}
	if err == nil {
		var seq int
		if seq, err = frameSeq(ev.Raw); err == nil && seq != r.next%seqModulus {
			err = fmt.Errorf("frame %d arrived when %d was due (lost or reordered)", seq, r.next%seqModulus)
		}
	}
	if err != nil {
		r.bad++
		if r.err == nil {
			r.err = err
		}
	}
	r.lat = append(r.lat, time.Duration(now-r.sentAt[r.next].Load()))
	r.next++
	<-r.window
	if r.left.Add(-1) == 0 {
		close(r.done)
	}
}

// run sends b.N frames spread over devs, at most inFlight undelivered at a
// time, and waits until every one has been delivered on the bus.
func (ub *uplinkBench) run(b *testing.B, devs []*benchDevice, inFlight int) {
	left := new(atomic.Int64)
	left.Store(int64(b.N))
	done := make(chan struct{})
	window := make(chan struct{}, inFlight)
	runs := make([]*deviceRun, len(devs))
	for i, d := range devs {
		n := b.N / len(devs)
		if i < b.N%len(devs) {
			n++
		}
		runs[i] = &deviceRun{
			n: n, window: window, sentAt: make([]atomic.Int64, n),
			left: left, done: done, lat: make([]time.Duration, 0, n),
		}
		d.run.Store(runs[i])
	}
	sendErr := make(chan error, len(devs))
	var wg sync.WaitGroup
	b.ReportAllocs()
	b.ResetTimer()
	cpu0, cpuOK := processCPU()
	start := time.Now()
	for i, d := range devs {
		r := runs[i]
		wg.Go(func() {
			for k := range r.n {
				r.window <- struct{}{}
				r.sentAt[k].Store(monoNow())
				if err := d.send(k); err != nil {
					sendErr <- fmt.Errorf("device %s frame %d: %w", d.dev.DID, k, err)
					return
				}
			}
		})
	}
	// Wait for the last delivery; fail if progress stops for 10 s (a lost
	// frame never arrives, and a fixed deadline would have to guess b.N).
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	last, lastChange := left.Load(), time.Now()
wait:
	for {
		select {
		case <-done:
			break wait
		case err := <-sendErr:
			b.Fatal(err)
		case <-tick.C:
			if l := left.Load(); l != last {
				last, lastChange = l, time.Now()
			} else if time.Since(lastChange) > 10*time.Second {
				b.Fatalf("%d of %d frames not delivered after 10 s without progress", l, b.N)
			}
		}
	}
	elapsed := time.Since(start)
	cpu1, _ := processCPU()
	b.StopTimer()
	wg.Wait()

	var lat []time.Duration
	for i, d := range devs {
		d.run.Store(nil)
		r := runs[i]
		if r.bad > 0 {
			b.Fatalf("device %s: %d bad events, first: %v", d.dev.DID, r.bad, r.err)
		}
		if r.next != r.n {
			b.Fatalf("device %s: %d events for %d frames", d.dev.DID, r.next, r.n)
		}
		if s := d.stray.Load(); s > 0 {
			b.Fatalf("device %s: %d events outside a run", d.dev.DID, s)
		}
		lat = append(lat, r.lat...)
	}
	if errs := ub.srv.Metric(b, `switchboard_decode_errors_total{adapter="mqtt"}`); errs != 0 {
		b.Fatalf("%v decode errors", errs)
	}
	// Every frame reached this benchmark's subscribers (checked above);
	// other subscribers of the node (app adapters subscribe to every
	// device's data) may still have fallen behind and dropped some.
	drops := ub.srv.Metric(b, "switchboard_bus_dropped_total")
	b.ReportMetric((drops-ub.drops)/float64(b.N), "bus-drops/op")
	ub.drops = drops
	slices.Sort(lat)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "msgs/s")
	b.ReportMetric(float64(percentile(lat, 0.50))/1e3, "p50-us")
	b.ReportMetric(float64(percentile(lat, 0.99))/1e3, "p99-us")
	if cpuOK && elapsed > 200*time.Millisecond { // /proc ticks are 10 ms
		b.ReportMetric((cpu1-cpu0).Seconds()/elapsed.Seconds(), "cpus")
	}
}

// memoryDevices is how many devices BenchmarkMemoryPerDevice connects: both
// ends of each connection are in this process (2 fds each), well under the
// usual open-file limits, and enough that per-node constants vanish.
const memoryDevices = 300

// mochiDefaults are mochi-mqtt's own per-client limits, which Switchboard's
// zero Limits replace (docs/operations.md). MaxPacketSize 0 would take
// Switchboard's default, so "unlimited" is spelled as 256 MiB.
var mochiDefaults = mqttgw.Limits{WritesPending: 8192, ReadBufferSize: 2048, WriteBufferSize: 2048, MaxPacketSize: 1 << 28}

// BenchmarkMemoryPerDevice measures what one connected, idle device costs
// the node: memoryDevices devices connect like GAgent (authenticate, then
// subscribe ser2cli_noti/<pk>, ser2cli_res/<did> and app2dev/<did>/#), and
// the live heap and goroutine stacks after a full GC are compared with
// before, per device. One op is connecting all of them (timed); the
// measurement is outside the timer, and -benchtime=1x is enough.
//
// The client side is a raw socket with no goroutine and no buffer, so the
// only client cost is its TCP end; it is measured on its own (client-B/device,
// half a loopback pair held by a plain sink) and subtracted in
// server-B/device, the figure to compare. The time per op is connecting the
// devices one after another (us/connect), not the figure of interest.
func BenchmarkMemoryPerDevice(b *testing.B) {
	configs := []struct {
		name   string
		limits mqttgw.Limits
	}{
		{"limits=switchboard", mqttgw.Limits{}},
		{"limits=mochi", mochiDefaults},
	}
	for _, cfg := range configs {
		b.Run(cfg.name, func(b *testing.B) {
			srv := quietServer(b, func(c *server.Config) { c.MQTTLimits = cfg.limits })
			p, _ := srv.CreateProduct(b, "demo-lamp.json")
			devs := registerDevices(b, srv, p.ProductKey, memoryDevices)
			pairHeap, pairStack := tcpPairCost(b, memoryDevices)
			clientCost := (pairHeap + pairStack) / 2

			// Open the keep-alive connection Metric uses now, so it is not
			// counted as the devices'.
			srv.Metric(b, `switchboard_connections{adapter="mqtt"}`)

			idle := runtime.NumGoroutine()

			var heap, stack, goroutines float64
			b.ResetTimer()
			for range b.N {
				b.StopTimer()
				before := sampleMemory()
				b.StartTimer()
				conns := make([]net.Conn, 0, len(devs))
				for _, d := range devs {
					conn, err := dialDevice(srv.MQTTAddr, d, p.ProductKey)
					if err != nil {
						b.Fatal(err)
					}
					conns = append(conns, conn)
				}
				b.StopTimer()
				after := sampleMemory()
				if n := srv.Metric(b, `switchboard_connections{adapter="mqtt"}`); n != memoryDevices {
					b.Fatalf("%v device sessions, want %d", n, memoryDevices)
				}
				h, s, g := perConn(before, after, memoryDevices)
				heap, stack, goroutines = heap+h, stack+s, goroutines+g
				for _, c := range conns {
					c.Close()
				}
				// The next iteration starts from where this one did: every
				// session closed and the connections' goroutines gone (a
				// little slack for the node's own, which come and go).
				testserver.Eventually(b, 30*time.Second, func() error {
					if n := srv.Metric(b, `switchboard_connections{adapter="mqtt"}`); n != 0 {
						return fmt.Errorf("%v sessions still open", n)
					}
					if g := runtime.NumGoroutine(); g > idle+2 {
						return fmt.Errorf("%d goroutines, %d before connecting", g, idle)
					}
					return nil
				})
				b.StartTimer()
			}
			n := float64(b.N)
			heap, stack, goroutines = heap/n, stack/n, goroutines/n
			b.ReportMetric(heap, "heap-B/device")
			b.ReportMetric(stack, "stack-B/device")
			b.ReportMetric(goroutines, "goroutines/device")
			b.ReportMetric(clientCost, "client-B/device")
			b.ReportMetric(heap+stack-clientCost, "server-B/device")
			b.ReportMetric(b.Elapsed().Seconds()*1e6/(n*memoryDevices), "us/connect")
		})
	}
}
