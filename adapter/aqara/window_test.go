package aqara_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	aqc "github.com/switchboard-iot/switchboard/client/aqara"
	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store"
)

// gaugedReceiver is a partner's push URL that takes its time (latency),
// can be made to fail (HTTP 500 without reading the push), and records how
// many requests it held at once.
type gaugedReceiver struct {
	rc      *aqc.Receiver
	latency time.Duration
	failing atomic.Bool
	served  atomic.Int64 // requests, failed ones included

	mu       sync.Mutex
	now, top int // requests being handled; most at once since reset
	unique   map[string]bool
}

func newGaugedReceiver(latency time.Duration) *gaugedReceiver {
	g := &gaugedReceiver{latency: latency, unique: map[string]bool{}}
	g.rc = &aqc.Receiver{OnPush: func(p aqc.Push) {
		g.mu.Lock()
		g.unique[p.MsgID] = true
		g.mu.Unlock()
	}}
	return g
}

func (g *gaugedReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.now++
	g.top = max(g.top, g.now)
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.now--
		g.mu.Unlock()
		g.served.Add(1)
	}()
	if g.failing.Load() {
		http.Error(w, "down for maintenance", http.StatusInternalServerError)
		return
	}
	time.Sleep(g.latency) // the partner's own work, not a wait for the test
	g.rc.ServeHTTP(w, r)
}

// peak returns the most requests held at once since the last call.
func (g *gaugedReceiver) peak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	p := g.top
	g.top = g.now
	return p
}

func (g *gaugedReceiver) received() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return len(g.unique)
}

// reportWorld is a node with one bound device whose LED_R a partner
// subscribes to, and the device's two reports that change it.
type reportWorld struct {
	srv     *testserver.Server
	dev     store.Device
	partner partners.Partner
	frames  [][]byte
}

func newReportWorld(t *testing.T, pushURL string, opts ...testserver.Option) *reportWorld {
	t.Helper()
	ctx := context.Background()
	w := &reportWorld{srv: testserver.Start(t, opts...)}
	n := w.srv.Node()
	app, err := w.srv.Admin.CreateApp(ctx, "window")
	if err != nil {
		t.Fatal(err)
	}
	u, _, _, err := n.CreateUser(ctx, app.AppID, core.NewUser{Username: "win", Password: "window-password"})
	if err != nil {
		t.Fatal(err)
	}
	prod, schema := w.srv.CreateProduct(t, "demo-lamp.json")
	d, err := w.srv.Admin.RegisterDevice(ctx, prod.ProductKey, "c0c1c2c3c4c5", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.BindDevice(ctx, u.UID, d.DID, d.Passcode, core.BindOptions{}); err != nil {
		t.Fatal(err)
	}
	pd := w.srv.Partners()
	if w.partner, err = pd.CreatePartner(ctx, partners.PartnerSettings{Name: "window", PushURL: pushURL, UserAppID: app.AppID}); err != nil {
		t.Fatal(err)
	}
	if err := pd.Subscribe(ctx, w.partner.AppID, u.UID, []partners.Subscription{{DID: d.DID, ResourceID: "LED_R"}}); err != nil {
		t.Fatal(err)
	}
	if w.dev, err = n.Store().GetDevice(ctx, d.DID); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		m := schema.NewMessage(datapoint.ActionReport)
		for _, f := range schema.Fields() {
			_ = schema.Set(m, f.Name, 0.0)
		}
		_ = schema.Set(m, "LED_R", float64(i+1))
		payload, err := schema.Append(nil, m)
		if err != nil {
			t.Fatal(err)
		}
		w.frames = append(w.frames, p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload}))
	}
	return w
}

// report sends k reports, each changing LED_R, so each is one push.
func (w *reportWorld) report(t *testing.T, k int) {
	t.Helper()
	for i := range k {
		if err := w.srv.Node().DeviceUplink(context.Background(), w.dev, "", w.frames[i%2]); err != nil {
			t.Fatal(err)
		}
	}
}

func (w *reportWorld) window(t *testing.T) float64 {
	return w.srv.Metric(t, fmt.Sprintf(`switchboard_push_window{app_id=%q}`, w.partner.AppID))
}

// TestPushWindowFollowsThePartner: the attempts in flight to one partner
// rise while it keeps up (more than the initial window) without passing
// --push-max-in-flight, fall to one probe at a time while it fails, and
// rise again when it is back, when the backlog of the outage drains whole.
func TestPushWindowFollowsThePartner(t *testing.T) {
	const ceiling = 16
	g := newGaugedReceiver(20 * time.Millisecond)
	recv := httptest.NewServer(g)
	t.Cleanup(recv.Close)
	w := newReportWorld(t, recv.URL, fastRetries, func(c *server.Config) { c.Push.MaxInFlight = ceiling })

	// Keeping up: a backlog of 600 pushes.
	w.report(t, 600)
	testserver.Eventually(t, 60*time.Second, func() error {
		if n := g.received(); n < 600 {
			return fmt.Errorf("%d of 600 pushes arrived", n)
		}
		return nil
	})
	if top := g.peak(); top <= partners.InitialInFlight || top > ceiling {
		t.Fatalf("at most %d requests at once while the partner kept up; want more than %d and at most %d",
			top, partners.InitialInFlight, ceiling)
	}

	// Failing: the window closes to one attempt at a time.
	g.failing.Store(true)
	w.report(t, 200)
	testserver.Eventually(t, 30*time.Second, func() error {
		if v := w.window(t); v != 1 {
			return fmt.Errorf("window %v while every attempt fails", v)
		}
		return nil
	})
	g.peak()
	seen := g.served.Load()
	testserver.Eventually(t, 30*time.Second, func() error {
		if n := g.served.Load() - seen; n < 5 {
			return fmt.Errorf("%d probes so far", n)
		}
		return nil
	})
	// 2, not 1: an attempt started before the window reached 1 may still
	// be in the receiver's hands when the first probe arrives.
	if top := g.peak(); top > 2 {
		t.Fatalf("%d requests at once to a failing partner with a window of 1", top)
	}

	// Back: the outage's backlog drains and the window opens again.
	g.failing.Store(false)
	testserver.Eventually(t, 60*time.Second, func() error {
		if n := g.received(); n < 800 {
			return fmt.Errorf("%d of 800 pushes arrived", n)
		}
		if n := w.srv.Partners().PendingPushes(w.partner.AppID); n != 0 {
			return fmt.Errorf("%d pushes pending", n)
		}
		return nil
	})
	if top := g.peak(); top <= 2 || top > ceiling {
		t.Fatalf("at most %d requests at once draining the backlog; want more than 2 and at most %d", top, ceiling)
	}
}
