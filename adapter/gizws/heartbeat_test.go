package gizws_test

import (
	"context"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/adapter/gizws"
)

// TestHeartbeatMissed: a client silent for its interval plus one interval
// of grace gets 1011 "No heartbeat!" and is closed.
func TestHeartbeatMissed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bothP0(t, func(t *testing.T, p0 string) {
		uid, token := f.user(t)
		c := f.dial(t)
		c.login(f.appID, uid, token, loginOpts{p0: p0, heartbeat: 1})
		m := c.expectInvalid(1011)
		if m.str(t, "msg") != "No heartbeat!" {
			t.Fatalf("got %s", m)
		}
		if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
			t.Fatalf("close status %v", code)
		}
	})
}

// TestHeartbeatKept: app-level pings and WebSocket ping frames both keep a
// session alive (ha-bestway sends frames, the SDKs send "ping").
func TestHeartbeatKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, name := range []string{"ping cmd", "ping frame"} {
		t.Run(name, func(t *testing.T) {
			uid, token := f.user(t)
			c := f.dial(t)
			c.login(f.appID, uid, token, loginOpts{heartbeat: 1})
			tick := time.NewTicker(300 * time.Millisecond)
			defer tick.Stop()
			// Three intervals plus: longer than the 2 s the server allows
			// between messages.
			for end := time.Now().Add(3 * time.Second); time.Now().Before(end); <-tick.C {
				if name == "ping cmd" {
					c.send("ping", nil)
					c.expect("pong")
					continue
				}
				ctx, cancel := context.WithTimeout(context.Background(), waitFor)
				err := c.conn.Ping(ctx)
				cancel()
				if err != nil {
					t.Fatalf("ping frame: %v", err)
				}
			}
			c.ensureQuiet()
		})
	}
}

// TestPingFrame: protocol-level pings are answered, before and after login.
func TestPingFrame(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.dial(t)
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	if err := c.conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	uid, token := f.user(t)
	c.login(f.appID, uid, token, loginOpts{})
	if err := c.conn.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	c.ensureQuiet()
}

// TestHeartbeatClamped: 600 (heatzy) is accepted, not refused.
func TestHeartbeatClamped(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	c := f.dial(t)
	c.login(f.appID, uid, token, loginOpts{heartbeat: 600})
	c.ensureQuiet()
	m, err := gizws.ParseMessage([]byte(`{"cmd":"login_req","data":{"appid":"a","uid":"u","token":"t","heartbeat_interval":600}}`))
	if err != nil || m.Login.HeartbeatSeconds != 180 {
		t.Fatalf("parsed %+v, %v", m.Login, err)
	}
}

// TestLoginTimeout: a connection that does not log in in time is closed,
// pings notwithstanding.
func TestLoginTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	url := f.customServer(t, func(o *gizws.Options) { o.Limits.LoginTimeout = 300 * time.Millisecond })
	c := dialURL(t, url, dialOpts{})
	c.send("ping", nil)
	c.expect("pong")
	if code := c.waitClosed(); code != websocket.StatusPolicyViolation {
		t.Fatalf("close status %v", code)
	}
}
