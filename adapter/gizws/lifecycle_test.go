package gizws_test

import (
	"fmt"
	"testing"

	"github.com/coder/websocket"

	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// TestShutdown: connections are counted while open, and a node shutting
// down closes them with 1001 (going away).
func TestShutdown(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	a, b := f.dial(t), f.dial(t)
	a.login(f.appID, uid, token, loginOpts{})
	testserver.Eventually(t, waitFor, func() error {
		if n := f.srv.Metric(t, `switchboard_connections{adapter="ws"}`); n != 2 {
			return fmt.Errorf("connections gauge %v, want 2", n)
		}
		return nil
	})
	if n := f.srv.Metric(t, `switchboard_messages_total{adapter="ws",direction="in"}`); n < 1 {
		t.Errorf("messages in %v", n)
	}
	if n := f.srv.Metric(t, `switchboard_messages_total{adapter="ws",direction="out"}`); n < 1 {
		t.Errorf("messages out %v", n)
	}
	f.srv.Stop(t)
	for _, c := range []*client{a, b} {
		if code := c.waitClosed(); code != websocket.StatusGoingAway {
			t.Fatalf("close status %v, want 1001", code)
		}
	}
}
