package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"

	"github.com/switchboard-iot/switchboard/server"
)

// target is the server under load, reached only over its sockets. With
// several nodes, devices (and the admin API and setup) use the first node
// and app sessions the last, so every report crosses from one node to
// another.
type target struct {
	httpURL    string
	mqttAddr   string
	appHTTPURL string // where app sessions connect: httpURL on one node
	adminToken string
	stop       func() error
}

// Spawn modes.
const (
	SpawnChild  = "child"  // a child `switchboard serve` (the default: its RSS is the server's alone)
	SpawnInProc = "inproc" // in this process (tests; RSS then includes the bench's clients)
	SpawnNone   = "none"   // --http/--mqtt/--admin-token name a running server
)

func startTarget(ctx context.Context, c *Config) (*target, error) {
	switch c.Spawn {
	case SpawnNone:
		if c.HTTPURL == "" || c.MQTTAddr == "" || c.AdminToken == "" {
			return nil, errors.New("--spawn none needs --http, --mqtt and --admin-token")
		}
		app := c.AppHTTPURL
		if app == "" {
			app = c.HTTPURL
		}
		return &target{httpURL: c.HTTPURL, mqttAddr: c.MQTTAddr, appHTTPURL: app, adminToken: c.AdminToken, stop: func() error { return nil }}, nil
	case SpawnInProc:
		return startInProc(ctx, c)
	case SpawnChild:
		return startChildren(ctx, c)
	}
	return nil, fmt.Errorf("--spawn %q: want child, inproc or none", c.Spawn)
}

func startInProc(ctx context.Context, c *Config) (*target, error) {
	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return nil, err
	}
	token := randomToken()
	srv, err := server.Start(ctx, server.Config{
		DataDir: dir, HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0", AdminToken: token,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &target{
		httpURL: "http://" + srv.HTTPAddr().String(), mqttAddr: srv.MQTTAddr().String(), adminToken: token,
		appHTTPURL: "http://" + srv.HTTPAddr().String(),
		stop: func() error {
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err := srv.Shutdown(sctx)
			os.RemoveAll(dir)
			return err
		},
	}, nil
}

// startChildren starts c.Nodes child nodes sharing one admin token (and,
// through c.ServeArgs, one store and bus).
func startChildren(ctx context.Context, c *Config) (*target, error) {
	token := randomToken()
	var nodes []*target
	stopAll := func() error {
		var errs []error
		for _, n := range nodes {
			errs = append(errs, n.stop())
		}
		return errors.Join(errs...)
	}
	for range max(c.Nodes, 1) {
		n, err := startChild(ctx, c, token)
		if err != nil {
			_ = stopAll()
			return nil, err
		}
		nodes = append(nodes, n)
	}
	first, last := nodes[0], nodes[len(nodes)-1]
	return &target{httpURL: first.httpURL, mqttAddr: first.mqttAddr, appHTTPURL: last.httpURL,
		adminToken: token, stop: stopAll}, nil
}

// startChild runs `<exe> serve` on free loopback ports and a temp data dir.
// Ports are picked by binding :0 and closing; a clash is possible but only
// fails the start, which says so.
func startChild(ctx context.Context, c *Config, token string) (*target, error) {
	exe := c.Executable
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	dir, err := os.MkdirTemp("", "switchboard-bench-")
	if err != nil {
		return nil, err
	}
	httpPort, err1 := freePort()
	mqttPort, err2 := freePort()
	if err := errors.Join(err1, err2); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	args := append([]string{"serve", "--data-dir", dir,
		"--http-addr", "127.0.0.1:" + strconv.Itoa(httpPort), "--mqtt-addr", "127.0.0.1:" + strconv.Itoa(mqttPort),
		"--admin-token", token, "--log-level", "warn",
		// No TLS listeners on fixed ports: a second node (or a running
		// server) would clash. --serve-args may turn them on again.
		"--https-addr", "off", "--mqtts-addr", "off"}, c.ServeArgs...)
	cmd := exec.Command(exe, args...)
	cmd.Stdout = io.Discard
	cmd.Stderr = c.Progress // warnings of the server show up with the progress lines
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t := &target{
		httpURL: "http://127.0.0.1:" + strconv.Itoa(httpPort), mqttAddr: "127.0.0.1:" + strconv.Itoa(mqttPort), adminToken: token,
		stop: func() error {
			defer os.RemoveAll(dir)
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
				return nil
			case <-time.After(20 * time.Second):
				_ = cmd.Process.Kill()
				<-done
				return errors.New("server did not stop within 20 s of SIGTERM; killed")
			}
		},
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		resp, err := http.Get(t.httpURL + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return t, nil
			}
		}
		select {
		case err := <-done:
			os.RemoveAll(dir)
			return nil, fmt.Errorf("server exited before it was ready: %v", err)
		case <-ctx.Done():
			_ = t.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			_ = t.stop()
			return nil, errors.New("server not ready within 20 s")
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
