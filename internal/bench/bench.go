// Package bench is `switchboard bench`: a load generator that talks to a
// server only over its public sockets (admin API, app API, MQTT as a
// device, /ws/app/v1 as an app) and reports throughput, latency
// percentiles and the server's memory and goroutines. See
// docs/benchmarks.md, "switchboard bench".
package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Config is one bench run.
type Config struct {
	Scenario string
	Devices  int
	Apps     int
	Duration time.Duration
	// Rate is reports (fanin, fanout, qos1: 0 means as fast as acks allow)
	// or writes per second over the whole run, not per client.
	Rate float64
	// Concurrency is how many connects the storm keeps in flight.
	Concurrency int
	// PerAddr is how many clients share one 127.x.y.z source address.
	PerAddr int

	Spawn      string   // SpawnChild, SpawnInProc or SpawnNone
	Executable string   // the switchboard binary for SpawnChild (default: this one)
	ServeArgs  []string // extra `serve` flags for SpawnChild
	HTTPURL    string
	MQTTAddr   string
	AdminToken string
	// AppHTTPURL is where app sessions connect when it is not HTTPURL
	// (SpawnNone): another node of the same cluster.
	AppHTTPURL string
	// Nodes is how many child nodes SpawnChild starts (default 1); more
	// than one needs a shared store and bus in ServeArgs. Devices connect
	// to the first, apps to the last.
	Nodes int

	// ReceiverLatency is how long the push scenario's partner takes to
	// answer each push.
	ReceiverLatency time.Duration
	// ReceiverDown makes the push scenario's partner answer 503 for this
	// long from the start of the load: an outage, then its backlog drains.
	ReceiverDown time.Duration

	// Compare runs the same MQTT load through another broker: "mosquitto".
	Compare string

	// Progress gets one line a second (stderr); nil for none.
	Progress io.Writer
}

// Result is what a run measured; --json prints it as is.
type Result struct {
	Scenario    string  `json:"scenario"`
	Broker      string  `json:"broker"`
	Devices     int     `json:"devices"`
	Apps        int     `json:"apps"`
	DurationSec float64 `json:"duration_s"`
	Rate        float64 `json:"rate,omitempty"`
	SetupSec    float64 `json:"setup_s"`

	// Sent: reports, writes or connects made; Received: s2c_noti, acks or
	// CONNACKs that came back. Expected: what should have come back.
	Sent        int64   `json:"sent"`
	Expected    int64   `json:"expected"`
	Received    int64   `json:"received"`
	SentPerSec  float64 `json:"sent_per_s"`
	RecvPerSec  float64 `json:"received_per_s"`
	Errors      int64   `json:"errors"`
	Latency     Latency `json:"latency"`
	LatencyWhat string  `json:"latency_of"`

	ServerBefore ServerStats `json:"server_before"`
	ServerAfter  ServerStats `json:"server_after"`

	// CPUPerReceived is the server's CPU time over the run divided by
	// what was received (messages, acks, connects), in microseconds: what
	// one costs the server, apart from the load generator's share of the
	// same cores. Zero when the server's CPU time is unknown (in process).
	CPUPerReceived float64 `json:"server_cpu_us_per_received,omitempty"`

	// Idle only: RSS added per connection.
	RSSPerDevice float64 `json:"rss_per_device_bytes,omitempty"`
	RSSPerApp    float64 `json:"rss_per_app_bytes,omitempty"`

	// Compare: the same load through the other broker, and the ratio of
	// received_per_s (Switchboard / other).
	Comparison *Result  `json:"comparison,omitempty"`
	Ratio      *float64 `json:"ratio,omitempty"`

	// Series is the run second by second (the load phase).
	Series []Point `json:"series,omitempty"`

	Notes []string `json:"notes,omitempty"`

	inProcess bool // the server ran in the bench's own process
}

// Scenarios, in the order the docs list them.
var Scenarios = []string{"idle", "fanin", "fanout", "control", "storm", "qos1", "push"}

// Run runs one scenario against a server it starts or is given.
func Run(ctx context.Context, c Config) (*Result, error) {
	if err := c.check(); err != nil {
		return nil, err
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	if c.Compare != "" {
		return runCompare(ctx, c)
	}
	t, err := startTarget(ctx, &c)
	if err != nil {
		return nil, err
	}
	r, err := runScenario(ctx, &c, t)
	if serr := t.stop(); serr != nil && err == nil {
		err = fmt.Errorf("stop server: %w", serr)
	}
	return r, err
}

func (c *Config) check() error {
	found := false
	for _, s := range Scenarios {
		found = found || s == c.Scenario
	}
	switch {
	case !found:
		return fmt.Errorf("--scenario %q: want one of %v", c.Scenario, Scenarios)
	case c.Devices < 1:
		return errors.New("--devices must be at least 1")
	case c.Apps < 0:
		return errors.New("--apps must not be negative")
	case c.Duration <= 0:
		return errors.New("--duration must be positive")
	case c.Rate < 0:
		return errors.New("--rate must not be negative")
	case c.Scenario == "fanout" && c.Devices > 1000:
		return errors.New("fanout binds every device to every app, and a session holds at most 1000 subscriptions: use --devices ≤ 1000")
	case (c.Scenario == "fanin" || c.Scenario == "fanout" || c.Scenario == "push") && c.Rate == 0:
		return fmt.Errorf("%s needs --rate > 0 (QoS 0 reports have no ack to pace them)", c.Scenario)
	case (c.Scenario == "fanin" || c.Scenario == "fanout" || c.Scenario == "control") && c.Apps < 1:
		return fmt.Errorf("%s needs --apps ≥ 1", c.Scenario)
	case c.Compare != "" && c.Compare != "mosquitto":
		return fmt.Errorf("--compare %q: only mosquitto", c.Compare)
	case c.Compare != "" && c.Scenario != "fanin":
		return errors.New("--compare runs the fanin scenario only")
	case c.Nodes > 1 && c.Spawn != SpawnChild:
		return errors.New("--nodes starts child nodes: not with --spawn none or inproc (give --app-http to use a running cluster)")
	case c.Nodes > 1 && !(hasFlag(c.ServeArgs, "--store") && hasFlag(c.ServeArgs, "--bus")):
		return errors.New("--nodes > 1 needs a shared store and bus: --serve-args '--store postgres://… --bus nats://…'")
	}
	if c.Concurrency < 1 {
		c.Concurrency = 256
	}
	if c.PerAddr < 1 {
		c.PerAddr = 100
	}
	return nil
}

// hasFlag reports whether args set the flag name ("--x v" or "--x=v").
func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

func runScenario(ctx context.Context, c *Config, t *target) (*Result, error) {
	pool := newAddrPool(c.PerAddr)
	r := &Result{Scenario: c.Scenario, Broker: "switchboard", Devices: c.Devices, Apps: c.Apps, inProcess: c.Spawn == SpawnInProc}
	if c.Scenario != "idle" && c.Scenario != "storm" {
		r.Rate = c.Rate
	}
	start := time.Now()
	f, err := createFleet(ctx, c.Progress, t, pool, c.Devices, c.Apps, c.Scenario == "fanout", c.Scenario == "push")
	if err != nil {
		return nil, err
	}
	pool.closeIdle()
	r.SetupSec = time.Since(start).Seconds()
	fmt.Fprintf(c.Progress, "bench: %s: created %d devices and %d users in %.1fs (%s)\n", c.Scenario, c.Devices, c.Apps, r.SetupSec, pool)
	metricsURL := t.httpURL + "/metrics"
	if r.ServerBefore, err = scrapeMetrics(ctx, metricsURL); err != nil {
		return nil, err
	}
	switch c.Scenario {
	case "idle":
		err = runIdle(ctx, c, t, pool, f, r)
	case "fanin", "fanout":
		err = runFlow(ctx, c, t, pool, f, r)
	case "control":
		err = runControl(ctx, c, t, pool, f, r)
	case "storm":
		err = runStorm(ctx, c, t, pool, f, r)
	case "qos1":
		err = runQoS1(ctx, c, t, pool, f, r)
	case "push":
		err = runPush(ctx, c, t, pool, f, r)
	}
	if err != nil {
		return nil, err
	}
	if r.ServerAfter.RSSBytes == 0 {
		if r.ServerAfter, err = scrapeMetrics(ctx, metricsURL); err != nil {
			return nil, err
		}
	}
	r.setCPUPerReceived()
	if c.Spawn == SpawnInProc {
		r.Notes = append(r.Notes, "server ran in the bench's process: RSS and goroutines include the bench's clients")
	}
	if t.appHTTPURL != t.httpURL {
		r.Notes = append(r.Notes, "devices on one node, apps on another: server RSS and goroutines are the devices' node's")
	}
	return r, nil
}

// connectDevices connects every device, c.Concurrency at a time.
func connectDevices(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet, o deviceOpts) ([]*device, error) {
	devs := make([]*device, len(f.devices))
	var started, done atomic.Int64
	stop := startProgress(c.Progress, "connecting devices", time.Now(), &started, &done)
	err := parallelN(ctx, len(devs), c.Concurrency, func(ctx context.Context, i int) error {
		started.Add(1)
		d, err := connectDevice(ctx, t, pool, f.productKey, i, f.devices[i], o)
		devs[i] = d
		if err == nil {
			done.Add(1)
		}
		return err
	})
	stop()
	if err != nil {
		closeDevices(devs)
		return nil, err
	}
	return devs, nil
}

func closeDevices(devs []*device) {
	var wg sync.WaitGroup
	for _, d := range devs {
		if d != nil {
			wg.Add(1)
			go func() { defer wg.Done(); d.close() }()
		}
	}
	wg.Wait()
}

// openSessions logs every app in, c.Concurrency at a time.
func openSessions(ctx context.Context, c *Config, t *target, pool *addrPool, f *fleet) ([]*session, error) {
	ss := make([]*session, len(f.users))
	var started, done atomic.Int64
	stop := startProgress(c.Progress, "logging in apps", time.Now(), &started, &done)
	err := parallelN(ctx, len(ss), c.Concurrency, func(ctx context.Context, i int) error {
		started.Add(1)
		s, err := openSession(ctx, t, pool, f.appID, i, f.users[i], len(f.bound[i]))
		ss[i] = s
		if err == nil {
			done.Add(1)
		}
		return err
	})
	stop()
	if err != nil {
		closeSessions(ss)
		return nil, err
	}
	return ss, nil
}

func closeSessions(ss []*session) {
	for _, s := range ss {
		if s != nil {
			s.close()
		}
	}
}

// Point is one second of a run: the rates over that second and, where the
// scenario times something, the latency percentiles of that second.
type Point struct {
	T        float64 `json:"t_s"`
	Sent     int64   `json:"sent_per_s"`
	Received int64   `json:"received_per_s"`
	P50      float64 `json:"p50_ms,omitempty"`
	P99      float64 `json:"p99_ms,omitempty"`
}

// startProgress prints one line a second: the counters' totals and their
// rates over the last second. The returned func stops it, once it printed
// its last line, and returns one Point per line.
func startProgress(w io.Writer, label string, start time.Time, sent, recv *atomic.Int64) (stop func() []Point) {
	ch := make(chan struct{})
	done := make(chan struct{})
	var points []Point
	go func() { defer close(done); points = progress(w, label, start, ch, sent, recv) }()
	var once sync.Once
	return func() []Point {
		once.Do(func() { close(ch); <-done })
		return points
	}
}

func progress(w io.Writer, label string, start time.Time, stop <-chan struct{}, sent, recv *atomic.Int64) []Point {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	var lastS, lastR int64
	var points []Point
	for {
		select {
		case <-stop:
			return points
		case now := <-tick.C:
			s, r := sent.Load(), recv.Load()
			t := now.Sub(start).Seconds()
			fmt.Fprintf(w, "bench: %s %5.1fs sent %d (%d/s) received %d (%d/s)\n", label, t, s, s-lastS, r, r-lastR)
			points = append(points, Point{T: t, Sent: s - lastS, Received: r - lastR})
			lastS, lastR = s, r
		}
	}
}

// setCPUPerReceived fills CPUPerReceived from the server stats around the
// run. In process the CPU time is the bench's too, so it stays unset.
func (r *Result) setCPUPerReceived() {
	cpu := r.ServerAfter.CPUSeconds - r.ServerBefore.CPUSeconds
	if r.Received > 0 && cpu > 0 && !r.inProcess {
		r.CPUPerReceived = cpu / float64(r.Received) * 1e6
	}
}
