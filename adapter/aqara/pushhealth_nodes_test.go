package aqara_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// TestPushSuspensionAcrossNodes: two nodes sharing the store and the bus
// both deliver for a partner whose push URL fails every attempt; their
// failures add up, and the partner is warned once and suspended once, as
// one node delivering everything would have it.
func TestPushSuspensionAcrossNodes(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "shared.db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() }) // after both nodes stop
	cfg := func(c *server.Config) {
		c.Store, c.Bus = st, b
		fastRetries(c)
		c.PushPolicy = partners.PushPolicy{MinSample: 20, Grace: 500 * time.Millisecond}
	}
	nodeA, nodeB := testserver.Start(t, cfg), testserver.Start(t, cfg)

	var attempts atomic.Int64
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		attempts.Add(1)
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
	}))
	t.Cleanup(recv.Close)

	n := nodeA.Node()
	app, err := nodeA.Admin.CreateApp(ctx, "lamp app")
	if err != nil {
		t.Fatal(err)
	}
	u, _, _, err := n.CreateUser(ctx, app.AppID, core.NewUser{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	prod, _ := nodeA.CreateProduct(t, "demo-lamp.json")
	d, _, err := n.RegisterDevice(ctx, prod.ProductKey, "a0b1c2d3e4f5", "PASSCODE")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.BindDevice(ctx, u.UID, d.DID, "PASSCODE", core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	p, err := nodeA.Partners().CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: recv.URL, UserAppID: app.AppID})
	if err != nil {
		t.Fatal(err)
	}
	if err := nodeA.Partners().Subscribe(ctx, p.AppID, u.UID, []partners.Subscription{{DID: d.DID, ResourceID: "LED_OnOff"}}); err != nil {
		t.Fatal(err)
	}
	// Pushes written by each node in turn (online on a, offline on b), so
	// each node's lane is woken by its own; both then retry whatever is
	// due.
	for range 10 {
		owner, err := n.DeviceOnline(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		if err := nodeB.Node().DeviceOffline(ctx, d, owner); err != nil {
			t.Fatal(err)
		}
	}

	failed := `switchboard_push_attempts_total{result="failed"}`
	testserver.Eventually(t, 30*time.Second, func() error {
		pt, err := nodeB.Admin.GetPartner(ctx, p.AppID)
		if err != nil {
			return err
		}
		if pt.Push.State != partners.PushSuspended {
			return fmt.Errorf("push state %q after %d attempts", pt.Push.State, attempts.Load())
		}
		return nil
	})
	fa, fb := nodeA.Metric(t, failed), nodeB.Metric(t, failed)
	if fa == 0 || fb == 0 {
		t.Fatalf("failed attempts: node a %v, node b %v; want both nodes delivering", fa, fb)
	}
	const warning, suspension = "partner push failures over the limit", "partner pushes suspended"
	if w := nodeA.Log.Count(warning) + nodeB.Log.Count(warning); w != 1 {
		t.Errorf("%d warning lines over both nodes, want 1", w)
	}
	if s := nodeA.Log.Count(suspension) + nodeB.Log.Count(suspension); s != 1 {
		t.Errorf("%d suspension lines over both nodes, want 1", s)
	}
	t.Logf("suspended after %d attempts (node a %v failed, node b %v)", attempts.Load(), fa, fb)
}
