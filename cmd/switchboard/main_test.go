package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// binary builds switchboard once per test run.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "switchboard-bin")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "switchboard")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = err
			t.Logf("%s", out)
		}
	})
	if buildErr != nil {
		t.Fatalf("build: %v", buildErr)
	}
	return binPath
}

// syncBuffer is a bytes.Buffer safe for a process writing and a test reading.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// node is a running `switchboard serve`.
type node struct {
	cmd            *exec.Cmd
	stdout, stderr *syncBuffer
	httpURL        string
	dataDir        string
}

var startedRe = regexp.MustCompile(`msg="switchboard started" http=(\S+) mqtt=(\S+)`)

func startServe(t *testing.T, env []string, args ...string) *node {
	t.Helper()
	return startServeIn(t, t.TempDir(), env, args...)
}

// startServeIn starts serve on an existing data dir (a restart).
func startServeIn(t *testing.T, dataDir string, env []string, args ...string) *node {
	t.Helper()
	n := &node{stdout: &syncBuffer{}, stderr: &syncBuffer{}, dataDir: dataDir}
	all := append([]string{"serve", "--data-dir", n.dataDir}, args...)
	n.cmd = exec.Command(binary(t), all...)
	// The TLS listeners on random ports unless the test says otherwise
	// (the last of duplicate variables wins).
	n.cmd.Env = append(append(os.Environ(), "SWITCHBOARD_HTTPS_ADDR=127.0.0.1:0", "SWITCHBOARD_MQTTS_ADDR=127.0.0.1:0"), env...)
	n.cmd.Stdout, n.cmd.Stderr = n.stdout, n.stderr
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if n.cmd.ProcessState == nil {
			_ = n.cmd.Process.Kill()
			_ = n.cmd.Wait()
		}
		if t.Failed() {
			t.Logf("stdout:\n%s\nstderr:\n%s", n.stdout, n.stderr)
		}
	})
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := startedRe.FindStringSubmatch(n.stderr.String()); m != nil {
			n.httpURL = "http://" + m[1]
			return n
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start:\n%s", n.stderr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (n *node) run(t *testing.T, args ...string) string {
	t.Helper()
	all := append([]string{args[0], "--server", n.httpURL, "--data-dir", n.dataDir}, args[1:]...)
	out, err := exec.Command(binary(t), all...).CombinedOutput()
	if err != nil {
		t.Fatalf("switchboard %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// waitStdout waits for serve to print want on stdout: the started line
// is logged inside server.Start, the stdout block only after it returns.
func (n *node) waitStdout(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(n.stdout.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not print %q on stdout:\n%s", want, n.stdout)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (n *node) terminate(t *testing.T) {
	t.Helper()
	_ = n.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- n.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not exit within 20s of SIGTERM")
	}
}

func getBody(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestWalkthrough is the README walk-through, command by command.
func TestWalkthrough(t *testing.T) {
	n := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0")
	n.waitStdout(t, "Generated an admin token")
	tokenFile, err := os.ReadFile(filepath.Join(n.dataDir, "admin-token"))
	if err != nil || !strings.Contains(n.stdout.String(), strings.TrimSpace(string(tokenFile))) {
		t.Fatalf("printed token is not the kept one (%v)", err)
	}
	if code, body := getBody(t, n.httpURL+"/healthz"); code != 200 || !strings.Contains(body, "ok") {
		t.Fatalf("/healthz = %d %q", code, body)
	}
	if code, _ := getBody(t, n.httpURL+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d", code)
	}

	out := n.run(t, "admin", "products", "create", "../../examples/products/demo-lamp.json")
	var p struct {
		ProductKey string `json:"product_key"`
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil || len(p.ProductKey) != 32 {
		t.Fatalf("products create printed %q", out)
	}
	out = n.run(t, "admin", "apps", "create", "Walkthrough app")
	if !strings.Contains(out, `"appid"`) {
		t.Fatalf("apps create printed %q", out)
	}

	// devsim in the background, as a user would run it in a second terminal.
	sim := exec.Command(binary(t), "devsim", "--server", n.httpURL, "--data-dir", n.dataDir,
		"--product-key", p.ProductKey, "--count", "2", "--interval", "200ms")
	simOut := &syncBuffer{}
	sim.Stdout, sim.Stderr = simOut, simOut
	if err := sim.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = sim.Process.Signal(syscall.SIGINT); _ = sim.Wait() }()
	didRe := regexp.MustCompile(`did=(\w{22})`)
	var dids []string
	deadline := time.Now().Add(20 * time.Second)
	for len(dids) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("devsim did not bring 2 devices online:\n%s", simOut)
		}
		dids = nil
		for _, m := range didRe.FindAllStringSubmatch(simOut.String(), -1) {
			dids = append(dids, m[1])
		}
		time.Sleep(20 * time.Millisecond)
	}

	list := n.run(t, "admin", "devices", "list")
	for _, did := range dids {
		if !regexp.MustCompile(did + `\s+` + p.ProductKey + `\s+\w+\s+true\s+false`).MatchString(list) {
			t.Fatalf("devices list does not show %s online:\n%s", did, list)
		}
	}
	got := n.run(t, "admin", "devices", "get", dids[0])
	var d struct {
		IsOnline bool           `json:"is_online"`
		Attrs    map[string]any `json:"attrs"`
	}
	if err := json.Unmarshal([]byte(got), &d); err != nil || !d.IsOnline || d.Attrs["Temperature"] == nil {
		t.Fatalf("devices get printed %q (%v)", got, err)
	}
	n.run(t, "admin", "devices", "write", dids[0], "LED_Color=pink", "LED_OnOff=true")
	deadline = time.Now().Add(20 * time.Second)
	for {
		got = n.run(t, "admin", "devices", "get", dids[0])
		if strings.Contains(got, `"LED_Color": "pink"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("write did not reach the device:\n%s", got)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_, metrics := getBody(t, n.httpURL+"/metrics")
	for _, series := range []string{
		`switchboard_connections{adapter="mqtt"} 2`,
		`switchboard_messages_total{adapter="mqtt",direction="in"}`,
		`switchboard_decode_errors_total{adapter="mqtt"} 0`,
		`switchboard_queue_drops_total{adapter="mqtt"} 0`,
	} {
		if !strings.Contains(metrics, series) {
			t.Errorf("/metrics lacks %q", series)
		}
	}

	// SIGTERM drains: the devices go offline in the store before exit.
	n.terminate(t)
	again := startServe(t, nil, "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0", "--data-dir", n.dataDir)
	again.waitStdout(t, "SHA-256") // what a restart prints, just before where the token would be
	if strings.Contains(again.stdout.String(), "Generated an admin token") {
		t.Error("second start generated a new admin token")
	}
	again.dataDir = n.dataDir
	_ = sim.Process.Signal(syscall.SIGINT) // keep devsim from reconnecting to the new node
	_ = sim.Wait()
	got = again.run(t, "admin", "devices", "get", dids[0])
	if !strings.Contains(got, `"is_online": false`) || !strings.Contains(got, `"LED_Color": "pink"`) {
		t.Fatalf("after restart:\n%s", got)
	}
}

func TestPortTakenIsOneLineNamingTheFlag(t *testing.T) {
	for _, flag := range []string{"--http-addr", "--mqtt-addr", "--https-addr", "--mqtts-addr"} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		args := []string{"serve", "--data-dir", t.TempDir(), "--http-addr", "127.0.0.1:0", "--mqtt-addr", "127.0.0.1:0",
			"--https-addr", "127.0.0.1:0", "--mqtts-addr", "127.0.0.1:0", flag, ln.Addr().String()}
		cmd := exec.Command(binary(t), args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err = cmd.Run()
		ln.Close()
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 {
			t.Fatalf("%s taken: exit %v, want 1", flag, err)
		}
		want := "switchboard: " + flag + " " + ln.Addr().String() + ": address already in use\n"
		if stderr.String() != want {
			t.Errorf("%s taken: stderr %q, want %q", flag, stderr.String(), want)
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	n := startServe(t, []string{"SWITCHBOARD_HTTP_ADDR=" + addr, "SWITCHBOARD_MQTT_ADDR=127.0.0.1:0", "SWITCHBOARD_ADMIN_TOKEN=from-env-token"})
	if n.httpURL != "http://"+addr {
		t.Fatalf("listening on %s, want %s from SWITCHBOARD_HTTP_ADDR", n.httpURL, addr)
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, n.httpURL+"/admin/v1/products", nil)
	req.Header.Set("Authorization", "Bearer from-env-token")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("admin token from SWITCHBOARD_ADMIN_TOKEN refused: %d", resp.StatusCode)
	}
	// A bad value in the environment is a clear usage error.
	cmd := exec.Command(binary(t), "serve", "--data-dir", t.TempDir())
	cmd.Env = append(os.Environ(), "SWITCHBOARD_MQTT_MAX_KEEPALIVE=abc")
	out, _ := cmd.CombinedOutput()
	if !strings.Contains(string(out), "SWITCHBOARD_MQTT_MAX_KEEPALIVE") {
		t.Fatalf("bad env value: %q", out)
	}
	n.terminate(t)
}
