// Package testserver starts real Switchboard nodes for tests: random
// loopback ports, a temporary data dir, and helpers that poll instead of
// sleeping (the nats-server habit).
package testserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/devsim"
	"github.com/switchboard-iot/switchboard/server"
)

// Server is a running node and clients for it.
type Server struct {
	*server.Server
	DataDir  string
	HTTPURL  string
	MQTTAddr string
	Admin    *adminclient.Client
	Log      *LogBuffer
	stopOnce sync.Once
}

// Option changes the node's configuration.
type Option func(*server.Config)

// WithDataDir reuses a data dir (to test restarts).
func WithDataDir(dir string) Option { return func(c *server.Config) { c.DataDir = dir } }

// Start runs a node until the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	logs := &LogBuffer{}
	cfg := server.Config{
		DataDir:  t.TempDir(),
		HTTPAddr: "127.0.0.1:0",
		MQTTAddr: "127.0.0.1:0",
		Logger:   slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	for _, o := range opts {
		o(&cfg)
	}
	srv, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	s := &Server{
		Server:   srv,
		DataDir:  cfg.DataDir,
		HTTPURL:  "http://" + srv.HTTPAddr().String(),
		MQTTAddr: srv.MQTTAddr().String(),
		Log:      logs,
	}
	s.Admin = adminclient.New(s.HTTPURL, srv.AdminToken)
	t.Cleanup(func() {
		s.Stop(t)
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	return s
}

// Stop shuts the node down (idempotent).
func (s *Server) Stop(t testing.TB) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.stopOnce.Do(func() {
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
}

// ExampleSchema reads a product definition from examples/products.
func ExampleSchema(t testing.TB, name string) []byte {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "examples", "products", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// CreateProduct uploads examples/products/<name> and compiles its schema.
func (s *Server) CreateProduct(t testing.TB, name string) (adminclient.Product, *datapoint.Schema) {
	t.Helper()
	raw := ExampleSchema(t, name)
	p, err := s.Admin.CreateProduct(context.Background(), raw)
	if err != nil {
		t.Fatalf("create product: %v", err)
	}
	def, err := datapoint.ParseProduct(raw)
	if err != nil {
		t.Fatal(err)
	}
	schema, err := datapoint.Compile(def)
	if err != nil {
		t.Fatal(err)
	}
	return p, schema
}

// StartDevice starts a simulated device that stops with the test.
func (s *Server) StartDevice(t testing.TB, productKey string, schema *datapoint.Schema, mac string, tweak ...func(*devsim.Options)) *devsim.Device {
	t.Helper()
	o := devsim.Options{HTTPURL: s.HTTPURL, ProductKey: productKey, Schema: schema, MAC: mac}
	for _, f := range tweak {
		f(&o)
	}
	d, err := devsim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.Start(ctx); err != nil {
		t.Fatalf("start device: %v", err)
	}
	t.Cleanup(d.Stop)
	return d
}

// WaitOnline polls the admin API until the device's is_online is want.
func (s *Server) WaitOnline(t testing.TB, did string, want bool) {
	t.Helper()
	Eventually(t, 10*time.Second, func() error {
		d, err := s.Admin.GetDevice(context.Background(), did)
		if err != nil {
			return err
		}
		if d.IsOnline != want {
			return fmt.Errorf("is_online = %v, want %v", d.IsOnline, want)
		}
		return nil
	})
}

// Metric returns the value of one sample line of /metrics, e.g.
// `switchboard_decode_errors_total{adapter="mqtt"}`; 0 when absent.
func (s *Server) Metric(t testing.TB, series string) float64 {
	t.Helper()
	resp, err := http.Get(s.HTTPURL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			var f float64
			fmt.Sscan(v, &f)
			return f
		}
	}
	return 0
}

// Eventually polls cond every 10 ms until it returns nil or timeout passes.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("condition not met after %v: %v", timeout, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// LogBuffer collects the server's log for failure reports and assertions.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *LogBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *LogBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// Count is how many times s occurs in the log.
func (l *LogBuffer) Count(s string) int { return strings.Count(l.String(), s) }

// Contains reports whether the log has a line containing all parts.
func (l *LogBuffer) Contains(parts ...string) bool {
	for _, line := range strings.Split(l.String(), "\n") {
		ok := true
		for _, p := range parts {
			if !strings.Contains(line, p) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}
