package bench

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// TestScenarios runs every scenario for a moment against a node on random
// ports, reached only through its sockets (--spawn none), and checks each
// measured what it claims: things were sent, came back, and the latency
// percentiles are ordered and positive. No figure is compared with a
// speed.
func TestScenarios(t *testing.T) {
	srv := testserver.Start(t)
	for _, sc := range Scenarios {
		t.Run(sc, func(t *testing.T) {
			var progress strings.Builder
			c := Config{
				Scenario: sc, Devices: 6, Apps: 4, Duration: 1200 * time.Millisecond, Rate: 200,
				Spawn: SpawnNone, HTTPURL: srv.HTTPURL, MQTTAddr: srv.MQTTAddr, AdminToken: srv.AdminToken,
				Progress: &progress, PerAddr: 3,
			}
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			r, err := Run(ctx, c)
			if err != nil {
				t.Fatal(err)
			}
			if r.Sent == 0 || r.Received == 0 || r.RecvPerSec <= 0 || r.Errors != 0 {
				t.Fatalf("sent %d received %d (%f/s) errors %d", r.Sent, r.Received, r.RecvPerSec, r.Errors)
			}
			if r.Received != r.Expected {
				t.Errorf("received %d of %d", r.Received, r.Expected)
			}
			if r.ServerBefore.RSSBytes <= 0 || r.ServerAfter.Goroutines <= 0 || r.ServerAfter.CPUSeconds <= 0 {
				t.Errorf("server stats %+v %+v", r.ServerBefore, r.ServerAfter)
			}
			if r.ServerAfter.CPUSeconds < r.ServerBefore.CPUSeconds || r.CPUPerReceived <= 0 {
				t.Errorf("server CPU %v → %v s, %v µs per received", r.ServerBefore.CPUSeconds, r.ServerAfter.CPUSeconds, r.CPUPerReceived)
			}
			switch sc {
			case "idle":
				if r.Received != int64(c.Devices+c.Apps) {
					t.Errorf("%d connections, want %d", r.Received, c.Devices+c.Apps)
				}
			case "fanout":
				// Every report reaches every app.
				if r.Expected != r.Sent*int64(c.Apps) {
					t.Errorf("expected %d deliveries of %d reports to %d apps", r.Expected, r.Sent, c.Apps)
				}
				checkLatency(t, r)
			default:
				checkLatency(t, r)
			}
			if sc != "storm" && !strings.Contains(progress.String(), "/s) received") {
				t.Errorf("no progress lines: %q", progress.String())
			}
		})
	}
}

func checkLatency(t *testing.T, r *Result) {
	t.Helper()
	l := r.Latency
	if l.Count == 0 || l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Max > 30_000 {
		t.Errorf("latency %+v", l)
	}
}

// TestSourceAddrs: clients spread over distinct loopback addresses, never
// the server's 127.0.0.1 nor a .0 or .255 octet.
// procStats reads what /metrics would say of a process without one: its
// resident set, and CPU time that grows as the process works.
func TestProcStats(t *testing.T) {
	before, err := procStats(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if before.RSSBytes < 1<<20 {
		t.Fatalf("RSS %v bytes, want at least a MiB for a Go test binary", before.RSSBytes)
	}
	deadline := time.Now().Add(5 * time.Second)
	var after ServerStats
	sum := 0
	for i := 1; after.CPUSeconds <= before.CPUSeconds; i++ { // work until a clock tick shows
		sum += i * i
		if i%100_000 == 0 {
			if after, err = procStats(os.Getpid()); err != nil {
				t.Fatal(err)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("CPU time stayed at %v s over 5 s of work (%d)", before.CPUSeconds, sum)
		}
	}
}

func TestSourceAddrs(t *testing.T) {
	seen := map[string]bool{}
	for k := 0; k < 70_000; k++ {
		ip := sourceAddr(k).To4()
		if ip[0] != 127 || ip[3] == 0 || ip[3] == 255 || ip[2] == 0 || ip[1] == 0 || ip.String() == "127.0.0.1" {
			t.Fatalf("slot %d: %s", k, ip)
		}
		if seen[ip.String()] {
			t.Fatalf("slot %d reuses %s", k, ip)
		}
		seen[ip.String()] = true
	}
}

func TestConfigErrors(t *testing.T) {
	for name, c := range map[string]Config{
		"unknown scenario": {Scenario: "nope", Devices: 1, Apps: 1, Duration: time.Second},
		"no devices":       {Scenario: "fanin", Devices: 0, Apps: 1, Duration: time.Second, Rate: 1},
		"fanin no apps":    {Scenario: "fanin", Devices: 1, Apps: 0, Duration: time.Second, Rate: 1},
		"fanin no rate":    {Scenario: "fanin", Devices: 1, Apps: 1, Duration: time.Second},
		"fanout too big":   {Scenario: "fanout", Devices: 1001, Apps: 1, Duration: time.Second, Rate: 1},
		"compare storm":    {Scenario: "storm", Devices: 1, Apps: 1, Duration: time.Second, Compare: "mosquitto"},
		"none without url": {Scenario: "idle", Devices: 1, Apps: 1, Duration: time.Second, Spawn: SpawnNone},
		"nodes, no store":  {Scenario: "idle", Devices: 1, Apps: 1, Duration: time.Second, Spawn: SpawnChild, Nodes: 2},
		"nodes, inproc": {Scenario: "idle", Devices: 1, Apps: 1, Duration: time.Second, Spawn: SpawnInProc, Nodes: 2,
			ServeArgs: []string{"--store", "postgres://x", "--bus=nats://y"}},
	} {
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestFaninAcrossNodes: with --app-http the apps connect to another node
// sharing the store and bus, and every report still reaches its app.
func TestFaninAcrossNodes(t *testing.T) {
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() })
	const token = "bench-test-admin-token-0123456789abcdef"
	shared := func(c *server.Config) { c.Store, c.Bus, c.AdminToken = st, b, token }
	devNode, appNode := testserver.Start(t, shared), testserver.Start(t, shared)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	r, err := Run(ctx, Config{
		Scenario: "fanin", Devices: 6, Apps: 6, Duration: 1200 * time.Millisecond, Rate: 200,
		Spawn: SpawnNone, HTTPURL: devNode.HTTPURL, MQTTAddr: devNode.MQTTAddr, AppHTTPURL: appNode.HTTPURL,
		AdminToken: token, PerAddr: 3,
	})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent == 0 || r.Received != r.Expected || r.Errors != 0 {
		t.Fatalf("sent %d received %d of %d errors %d", r.Sent, r.Received, r.Expected, r.Errors)
	}
	// The s2c_noti left the app node, none the device node.
	if got := appNode.Metric(t, `switchboard_messages_total{adapter="ws",direction="out"}`); got < float64(r.Received) {
		t.Errorf("the app node sent %v messages, fewer than the %d reports received", got, r.Received)
	}
	if got := devNode.Metric(t, `switchboard_messages_total{adapter="ws",direction="out"}`); got != 0 {
		t.Errorf("the device node sent %v WebSocket messages", got)
	}
}
