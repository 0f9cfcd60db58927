package netfault_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/adminclient"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// fdLimit is the open-files limit the flooded process runs under.
const fdLimit = 256

// recoverWithin bounds how long after a flood ends a real client must be
// served again: the accept back-off is at most 1 s, so this is generous.
const recoverWithin = 5 * time.Second

// TestDescriptorFlood runs the real binary under `prlimit --nofile=256`,
// opens connections until it logs accept errors (it has no descriptor
// left), checks that a client cannot get in meanwhile, closes the flood
// and checks that a real device (MQTT) and a real request (HTTP) are
// served again within a few seconds: the listeners retried rather than
// stopped. The accept errors are counted in /metrics.
func TestDescriptorFlood(t *testing.T) {
	p := startLimited(t)
	admin := adminclient.New(p.httpURL, p.token)
	prod, err := admin.CreateProduct(context.Background(), testserver.ExampleSchema(t, "demo-lamp.json"))
	if err != nil {
		t.Fatal(err)
	}
	d := registerDevice(t, admin, prod.ProductKey, "bb0000000001")
	// The probe during the flood uses a device of its own: its CONNECT waits
	// in the kernel's backlog and is read after the flood, when it would
	// take the real device's session over.
	probe := registerDevice(t, admin, prod.ProductKey, "bb0000000002")
	http.DefaultClient.CloseIdleConnections()
	admin = adminclient.New(p.httpURL, p.token) // a fresh client: no idle connection survives the flood

	// MQTT.
	flood := p.floodUntilAcceptFails(t, p.mqttAddr, "mqtt")
	if err := rawConnack(p.mqttAddr, probe, time.Second); err == nil {
		t.Fatal("a device got in during the flood: the flood did not exhaust descriptors")
	}
	closeAll(flood)
	start := time.Now()
	testserver.Eventually(t, recoverWithin, func() error {
		_, err := connectDevice(t, p.mqttAddr, d, nil)
		return err
	})
	t.Logf("MQTT: %d connections flooded the process; a device connected %v after they closed", len(flood), time.Since(start))

	// HTTP.
	flood = p.floodUntilAcceptFails(t, strings.TrimPrefix(p.httpURL, "http://"), "http")
	short := &http.Client{Timeout: time.Second}
	if resp, err := short.Get(p.httpURL + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("a request was served during the flood: the flood did not exhaust descriptors")
	}
	short.CloseIdleConnections()
	closeAll(flood)
	start = time.Now()
	testserver.Eventually(t, recoverWithin, func() error {
		_, err := admin.GetDevice(context.Background(), d.DID)
		return err
	})
	t.Logf("HTTP: %d connections flooded the process; a request was served %v after they closed", len(flood), time.Since(start))

	dev, err := admin.GetDevice(context.Background(), d.DID)
	if err != nil || !dev.IsOnline {
		t.Fatalf("device after both floods: %+v %v", dev, err)
	}
	for _, l := range []string{"mqtt", "http"} {
		if n := p.metric(t, `switchboard_accept_errors_total{listener="`+l+`"}`); n < 1 {
			t.Errorf("accept errors on %s: %v, want them counted", l, n)
		}
	}
	p.stop(t)
}

// limited is the binary running under prlimit.
type limited struct {
	cmd               *exec.Cmd
	log               *testserver.LogBuffer
	httpURL, mqttAddr string
	token             string
	exited            chan error
}

func startLimited(t *testing.T) *limited {
	t.Helper()
	prlimit, err := exec.LookPath("prlimit")
	if err != nil {
		t.Fatal("this test needs prlimit (util-linux) to run the server at a low open-files limit")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "switchboard")
	build := exec.Command("go", "build", "-o", bin, "github.com/switchboard-iot/switchboard/cmd/switchboard")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	p := &limited{log: &testserver.LogBuffer{}, token: "flood-test-admin-token-0123456789", exited: make(chan error, 1)}
	p.cmd = exec.Command(prlimit, fmt.Sprintf("--nofile=%d:%d", fdLimit, fdLimit), "--", bin, "serve",
		"--data-dir", filepath.Join(dir, "data"), "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--https-addr", "off", "--mqtts-addr", "off",
		"--admin-token", p.token,
		// The flood's silent connections must stay until the test closes
		// them, rather than be cut at these deadlines.
		"--mqtt-connect-timeout", "5m", "--http-read-header-timeout", "5m", "--http-read-timeout", "5m")
	p.cmd.Env = os.Environ()
	p.cmd.Stdout, p.cmd.Stderr = p.log, p.log
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.exited <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.exited
		if t.Failed() {
			t.Logf("server log:\n%s", p.log.String())
		}
	})
	started := regexp.MustCompile(`switchboard started" http=(\S+) mqtt=(\S+)`)
	testserver.Eventually(t, 30*time.Second, func() error {
		m := started.FindStringSubmatch(p.log.String())
		if m == nil {
			return fmt.Errorf("not started yet")
		}
		p.httpURL, p.mqttAddr = "http://"+m[1], m[2]
		return nil
	})
	return p
}

// floodUntilAcceptFails opens connections to addr until the server logs
// an accept error on listener (it has no descriptor left for them), and
// returns them, open.
func (p *limited) floodUntilAcceptFails(t *testing.T, addr, listener string) []net.Conn {
	t.Helper()
	var conns []net.Conn
	for !p.log.Contains("accept failed; retrying", "listener="+listener) {
		if len(conns) > 4*fdLimit {
			closeAll(conns)
			t.Fatalf("%d connections to %s and no accept error logged", len(conns), listener)
		}
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			closeAll(conns)
			t.Fatalf("flood dial %d: %v", len(conns), err)
		}
		conns = append(conns, c)
		if len(conns) > fdLimit { // past the limit: give the server time to try
			time.Sleep(10 * time.Millisecond)
		}
	}
	return conns
}

func closeAll(conns []net.Conn) {
	for _, c := range conns {
		c.Close()
	}
}

// rawConnack tries a device's CONNECT and waits up to within for CONNACK.
func rawConnack(addr string, d adminclient.Device, within time.Duration) error {
	c, err := net.DialTimeout("tcp", addr, within)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(within))
	if _, err := c.Write(mqttConnect(d.DID, d.Passcode)); err != nil {
		return err
	}
	b := make([]byte, 4)
	_, err = io.ReadFull(c, b)
	return err
}

func (p *limited) metric(t *testing.T, series string) float64 {
	t.Helper()
	v, err := metric(p.httpURL, series)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// stop sends SIGTERM and expects a clean exit.
func (p *limited) stop(t *testing.T) {
	t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		p.exited <- err // for the cleanup
		if err != nil {
			t.Fatalf("server exit after the floods: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("server did not stop within 30s of SIGTERM")
	}
}
