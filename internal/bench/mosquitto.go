package bench

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
)

// runCompare runs fanin against Switchboard and then the same MQTT load
// through Mosquitto: devices publish to bench/<i>, subscriber k subscribes
// to the topics of the devices app k would be bound to, each message is the
// 8-byte send time. The ratio is Switchboard's received_per_s over
// Mosquitto's.
func runCompare(ctx context.Context, c Config) (*Result, error) {
	own := c
	own.Compare = ""
	r, err := Run(ctx, own)
	if err != nil {
		return nil, err
	}
	m, err := runMosquitto(ctx, &c)
	if err != nil {
		return nil, fmt.Errorf("mosquitto: %w", err)
	}
	r.Comparison = m
	if m.RecvPerSec > 0 {
		ratio := r.RecvPerSec / m.RecvPerSec
		r.Ratio = &ratio
	}
	return r, nil
}

// mosquittoBin is where Debian's mosquitto package installs the broker.
var mosquittoBin = "/usr/sbin/mosquitto"

func startMosquitto(ctx context.Context) (addr string, pid int, stop func(), err error) {
	bin, err := exec.LookPath("mosquitto")
	if err != nil {
		bin = mosquittoBin
		if _, err := os.Stat(bin); err != nil {
			return "", 0, nil, errors.New("mosquitto not found (apt-get install -y mosquitto)")
		}
	}
	dir, err := os.MkdirTemp("", "bench-mosquitto-")
	if err != nil {
		return "", 0, nil, err
	}
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	conf := filepath.Join(dir, "mosquitto.conf")
	text := "listener " + strconv.Itoa(port) + " 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nmax_queued_messages 1000\nset_tcp_nodelay true\nlog_dest stderr\nlog_type error\n"
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	cmd := exec.Command(bin, "-c", conf)
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return "", 0, nil, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop = func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		os.RemoveAll(dir)
	}
	addr = "127.0.0.1:" + strconv.Itoa(port)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if conn, err := net.Dial("tcp", addr); err == nil {
			conn.Close()
			return addr, cmd.Process.Pid, stop, nil
		}
		select {
		case <-done:
			os.RemoveAll(dir)
			return "", 0, nil, errors.New("mosquitto exited at start")
		case <-ctx.Done():
			stop()
			return "", 0, nil, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", 0, nil, errors.New("mosquitto did not listen within 10 s")
		}
	}
}

func runMosquitto(ctx context.Context, c *Config) (*Result, error) {
	addr, pid, stop, err := startMosquitto(ctx)
	if err != nil {
		return nil, err
	}
	defer stop()
	r := &Result{Scenario: "fanin", Broker: "mosquitto", Devices: c.Devices, Apps: c.Apps, Rate: c.Rate}
	pool := newAddrPool(c.PerAddr)
	if r.ServerBefore, err = procStats(pid); err != nil {
		return nil, err
	}
	n, m := c.Devices, c.Apps
	subscribers := make([]int, n)
	bound := make([][]int, m)
	for i := 0; i < max(n, m); i++ {
		bound[i%m] = append(bound[i%m], i%n)
		subscribers[i%n]++
	}
	connect := func(ctx context.Context, id string, slot int) (paho.Client, error) {
		cl := paho.NewClient(paho.NewClientOptions().AddBroker("tcp://" + addr).
			SetDialer(pool.dialer(slot)).SetClientID(id).SetProtocolVersion(4).SetCleanSession(true).
			SetKeepAlive(120 * time.Second).SetAutoReconnect(false).SetConnectTimeout(30 * time.Second))
		if err := waitToken(ctx, cl.Connect()); err != nil {
			return nil, fmt.Errorf("connect %s: %w", id, err)
		}
		return cl, nil
	}
	pubs := make([]paho.Client, n)
	subs := make([]paho.Client, m)
	defer func() {
		for _, cl := range append(pubs, subs...) {
			if cl != nil {
				cl.Disconnect(0)
			}
		}
	}()
	var lat latencies
	var sent, expected, received atomic.Int64
	start := time.Now()
	err = parallelN(ctx, n, c.Concurrency, func(ctx context.Context, i int) error {
		cl, err := connect(ctx, "dev-"+strconv.Itoa(i), pool.index(0, i))
		pubs[i] = cl
		return err
	})
	if err != nil {
		return nil, err
	}
	recs := make([]*recorder, m)
	for k := range recs {
		recs[k] = lat.newRecorder()
	}
	err = parallelN(ctx, m, c.Concurrency, func(ctx context.Context, k int) error {
		cl, err := connect(ctx, "app-"+strconv.Itoa(k), pool.index(appSlotBase, k))
		if err != nil {
			return err
		}
		subs[k] = cl
		rec := recs[k]
		filters := make(map[string]byte)
		for _, d := range bound[k] {
			filters["bench/"+strconv.Itoa(d)] = 0
		}
		// The default router runs one client's handlers in order on one
		// goroutine, so its recorder needs no lock.
		return waitToken(ctx, cl.SubscribeMultiple(filters, func(_ paho.Client, msg paho.Message) {
			now := time.Now().UnixNano()
			if p := msg.Payload(); len(p) == 8 {
				rec.add(time.Duration(now - int64(binary.BigEndian.Uint64(p))))
				received.Add(1)
			}
		}))
	})
	if err != nil {
		return nil, err
	}
	r.SetupSec = time.Since(start).Seconds()
	topics := make([]string, n)
	for i := range topics {
		topics[i] = "bench/" + strconv.Itoa(i)
	}
	start = time.Now()
	lat.begin(start)
	stopProgress := startProgress(c.Progress, "mosquitto fanin", start, &sent, &received)
	paced(ctx, c.Duration, c.Rate, n, func(i int) {
		var p [8]byte
		binary.BigEndian.PutUint64(p[:], uint64(time.Now().UnixNano()))
		pubs[i].Publish(topics[i], 0, false, p[:])
		sent.Add(1)
		expected.Add(int64(subscribers[i]))
	})
	loadTime := time.Since(start)
	drain(ctx, &received, expected.Load(), maxDrain)
	// Deliveries still arriving after the load stopped count, over the
	// time they took: an overloaded server is not credited with a backlog
	// it delivered late.
	deliverTime := time.Since(start)
	series := stopProgress()
	if r.ServerAfter, err = procStats(pid); err != nil {
		return nil, err
	}
	for _, cl := range subs {
		cl.Disconnect(0)
	}
	subs = nil
	r.DurationSec = loadTime.Seconds()
	r.Sent, r.Expected, r.Received = sent.Load(), expected.Load(), received.Load()
	r.SentPerSec = float64(r.Sent) / loadTime.Seconds()
	r.RecvPerSec = float64(r.Received) / deliverTime.Seconds()
	r.Latency = lat.summary()
	r.Series = lat.series(series)
	r.LatencyWhat = "publisher PUBLISH to subscriber delivery (MQTT → MQTT)"
	r.setCPUPerReceived()
	return r, nil
}
