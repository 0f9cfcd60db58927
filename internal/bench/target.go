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

// target is the server under load, reached only over its sockets.
type target struct {
	httpURL    string
	mqttAddr   string
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
		return &target{httpURL: c.HTTPURL, mqttAddr: c.MQTTAddr, adminToken: c.AdminToken, stop: func() error { return nil }}, nil
	case SpawnInProc:
		return startInProc(ctx, c)
	case SpawnChild:
		return startChild(ctx, c)
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
		stop: func() error {
			sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			err := srv.Shutdown(sctx)
			os.RemoveAll(dir)
			return err
		},
	}, nil
}

// startChild runs `<exe> serve` on free loopback ports and a temp data dir.
// Ports are picked by binding :0 and closing; a clash is possible but only
// fails the start, which says so.
func startChild(ctx context.Context, c *Config) (*target, error) {
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
	token := randomToken()
	args := append([]string{"serve", "--data-dir", dir,
		"--http-addr", "127.0.0.1:" + strconv.Itoa(httpPort), "--mqtt-addr", "127.0.0.1:" + strconv.Itoa(mqttPort),
		"--admin-token", token, "--log-level", "warn"}, c.ServeArgs...)
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
