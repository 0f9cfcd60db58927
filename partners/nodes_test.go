package partners_test

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// shared is a store and a bus that several nodes share, as processes
// share PostgreSQL and NATS.
type shared struct {
	st   store.Store
	bus  bus.Bus
	logs *testserver.LogBuffer
}

func newShared(t *testing.T) *shared {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() })
	return &shared{st: st, bus: b, logs: &testserver.LogBuffer{}}
}

// refuse is the sender of nodes whose partners' pushes are suspended: it
// must never be asked.
type refuse struct{ t *testing.T }

func (r refuse) Send(context.Context, partners.Partner, store.Push) error {
	r.t.Error("a suspended partner's push was sent")
	return nil
}

// node starts a node with its partner domain and delivery on s.
func (s *shared) node(t *testing.T, id string, o partners.Options) (*core.Node, *partners.Domain) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(s.logs, nil)).With("node", id)
	o.Store, o.Bus, o.Logger = s.st.(partners.Store), s.bus, log
	d := partners.New(o)
	n, err := core.New(core.Options{Store: s.st, Bus: s.bus, NodeID: id, Logger: log, Follower: d.Follower()})
	if err != nil {
		t.Fatal(err)
	}
	d.Bind(n)
	if err := d.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	del := d.NewDelivery(refuse{t}, partners.DeliveryOptions{Claimant: id, PendingRefresh: 20 * time.Millisecond, Logger: log})
	if err := del.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { del.Close(); _ = n.Close(context.Background()) })
	return n, d
}

// The backlog bound holds for the partner across nodes: two nodes
// enqueueing for one partner whose pushes wait stop at the bound
// together, not at twice it.
func TestPushBacklogSharedByNodes(t *testing.T) {
	ctx := context.Background()
	s := newShared(t)
	const backlog = 10
	nA, dA := s.node(t, "node-a", partners.Options{PushBacklog: backlog})
	nB, dB := s.node(t, "node-b", partners.Options{PushBacklog: backlog})

	app, err := nA.CreateApp(ctx, "app")
	if err != nil {
		t.Fatal(err)
	}
	prod, _, err := nA.CreateProduct(ctx, []byte(lamp))
	if err != nil {
		t.Fatal(err)
	}
	u, _, _, err := nA.CreateUser(ctx, app.ID, core.NewUser{Username: "alice", Password: "correct horse"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := dA.CreatePartner(ctx, partners.PartnerSettings{Name: "acme", PushURL: "http://127.0.0.1:1/push"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dA.SetPartnerPushSuspended(ctx, p.AppID, true, "test: pushes wait"); err != nil {
		t.Fatal(err)
	}
	device := func(mac string) store.Device {
		d, _, err := nA.RegisterDevice(ctx, prod.Key, mac, "PASSCODE")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := nA.BindDevice(ctx, u.UID, d.DID, "PASSCODE", core.BindOptions{}); err != nil {
			t.Fatal(err)
		}
		if err := dA.Subscribe(ctx, p.AppID, u.UID, []partners.Subscription{{DID: d.DID, ResourceID: "on"}}); err != nil {
			t.Fatal(err)
		}
		return d
	}
	onA, onB := device("aabbccddee01"), device("aabbccddee02")
	waitUntil(t, "node b to see the subscriptions", func() bool { return dB.Follower().Subscribed(onB.DID) })
	// Each online or offline of a subscribed device is one push.
	flip := func(n *core.Node, d store.Device, times int) {
		t.Helper()
		for range (times + 1) / 2 {
			owner, err := n.DeviceOnline(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if err := n.DeviceOffline(ctx, d, owner); err != nil {
				t.Fatal(err)
			}
		}
	}
	pending := func() int64 {
		t.Helper()
		counts, err := s.st.(partners.Store).CountPendingPushes(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return counts[p.AppID]
	}

	flip(nA, onA, 6)
	if n := pending(); n != 6 {
		t.Fatalf("%d pushes pending after node a's six, want 6", n)
	}
	waitUntil(t, "node b to count node a's pushes", func() bool { return dB.PendingPushes(p.AppID) == 6 })
	flip(nB, onB, 8)
	if n := pending(); n != backlog {
		t.Fatalf("%d pushes pending after node b's eight, want the bound %d", n, backlog)
	}
	if !s.logs.Contains("push backlog full", "node=node-b") {
		t.Fatalf("node b did not log the full backlog:\n%s", s.logs)
	}
	waitUntil(t, "node a to count node b's pushes", func() bool { return dA.PendingPushes(p.AppID) == backlog })
	flip(nA, onA, 2)
	if n := pending(); n != backlog {
		t.Fatalf("%d pushes pending after node a's two more, want the bound %d", n, backlog)
	}
}

// Push failures that two nodes record for one partner add up: neither
// node's share reaches the sample the rule needs, together they do, the
// partner is warned once and suspended once when the grace period ends,
// as one node making all the attempts would have it.
func TestPushHealthSharedByNodes(t *testing.T) {
	ctx := context.Background()
	s := newShared(t)
	policy := partners.PushPolicy{MinSample: 20, Grace: 300 * time.Millisecond}
	_, dA := s.node(t, "node-a", partners.Options{PushPolicy: policy})
	_, dB := s.node(t, "node-b", partners.Options{PushPolicy: policy})
	p, err := dA.CreatePartner(ctx, partners.PartnerSettings{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	health := func(d *partners.Domain) partners.PushHealth {
		t.Helper()
		h, err := d.PartnerPushHealth(ctx, p.AppID)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}

	dA.RecordPushAttempts(ctx, p.AppID, 1, 9, "HTTP 503")
	if h := health(dB); h.State != partners.PushActive || h.Attempts != 10 || h.Failed != 9 {
		t.Fatalf("after node a's attempts node b sees %+v, want active with 9 of 10 failed", h)
	}
	dB.RecordPushAttempts(ctx, p.AppID, 0, 10, "HTTP 502")
	hA, hB := health(dA), health(dB)
	if hA.State != partners.PushWarned || hA.Attempts != 20 || hA.Failed != 19 || hA.LastError != "HTTP 502" {
		t.Fatalf("node a sees %+v, want warned with 19 of 20 failed, last error HTTP 502", hA)
	}
	if hB.State != partners.PushWarned || !hB.WarnedAt.Equal(hA.WarnedAt) {
		t.Fatalf("node b sees %+v, want warned at %v as node a", hB, hA.WarnedAt)
	}
	const warning = "partner push failures over the limit"
	if n := s.logs.Count(warning); n != 1 || !s.logs.Contains(warning, "node=node-b") {
		t.Fatalf("%d warning lines, want 1 by node b:\n%s", n, s.logs)
	}

	// Both nodes keep failing; the grace period runs from the one warning.
	deadline := time.Now().Add(10 * time.Second)
	for health(dA).State != partners.PushSuspended {
		if time.Now().After(deadline) {
			t.Fatalf("not suspended; health %+v", health(dA))
		}
		dA.RecordPushAttempts(ctx, p.AppID, 0, 1, "HTTP 503")
		dB.RecordPushAttempts(ctx, p.AppID, 0, 1, "HTTP 503")
		time.Sleep(20 * time.Millisecond)
	}
	if h := health(dB); h.State != partners.PushSuspended {
		t.Fatalf("node b sees %+v, want suspended", h)
	}
	if n := s.logs.Count("partner pushes suspended"); n != 1 {
		t.Fatalf("%d suspension lines, want 1:\n%s", n, s.logs)
	}
	if n := s.logs.Count(warning); n != 1 {
		t.Fatalf("%d warning lines, want 1", n)
	}
}

// Clean attempts a node keeps to itself (up to a second) reach the store
// when the partner goes quiet, so another node judges its failures
// against them: 3 failures in 81 attempts are under the limit, though
// they would be over it in the 21 attempts of node b alone.
func TestQuietCleanAttemptsShared(t *testing.T) {
	ctx := context.Background()
	s := newShared(t)
	policy := partners.PushPolicy{MinSample: 20}
	_, dA := s.node(t, "node-a", partners.Options{PushPolicy: policy})
	_, dB := s.node(t, "node-b", partners.Options{PushPolicy: policy})
	p, err := dA.CreatePartner(ctx, partners.PartnerSettings{Name: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	dA.RecordPushAttempts(ctx, p.AppID, 1, 0, "")  // the first batch is shared at once
	dA.RecordPushAttempts(ctx, p.AppID, 60, 0, "") // then kept for up to a second
	waitUntil(t, "node a's quiet attempts to reach node b", func() bool {
		h, err := dB.PartnerPushHealth(ctx, p.AppID)
		return err == nil && h.Attempts == 61
	})
	dB.RecordPushAttempts(ctx, p.AppID, 17, 3, "HTTP 503")
	h, err := dB.PartnerPushHealth(ctx, p.AppID)
	if err != nil || h.State != partners.PushActive || h.Attempts != 81 || h.Failed != 3 {
		t.Fatalf("health = %+v, %v; want active with 3 of 81 failed", h, err)
	}
}
