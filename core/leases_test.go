package core_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// leaseStore is a shared store whose lease renewals fail while cut is set,
// as for a node that lost its database connection.
type leaseStore struct {
	store.Store
	cut atomic.Bool
}

func (l *leaseStore) RenewNode(ctx context.Context, nodeID string, epoch int64, until time.Time) error {
	if l.cut.Load() {
		return errors.New("connection refused")
	}
	return l.Store.RenewNode(ctx, nodeID, epoch, until)
}

// cluster is nodes sharing one store and one bus, as several processes
// share PostgreSQL and NATS.
type cluster struct {
	st  store.Store
	bus bus.Bus
}

func newCluster(t *testing.T) *cluster {
	t.Helper()
	st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	t.Cleanup(func() { _ = b.Close(); _ = st.Close() })
	return &cluster{st: st, bus: b}
}

// node starts a node of the cluster on st (the shared store, or a wrapper
// of it) with a short lease.
func (c *cluster) node(t *testing.T, id string, st store.Store, lost func()) *core.Node {
	t.Helper()
	n, err := core.New(core.Options{Store: st, Bus: c.bus, NodeID: id, NodeLease: 300 * time.Millisecond, LeaseLost: lost})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return n
}

// A node dies with a device online: another node ends that session once
// the dead node's lease lapses, with one offline event, and reconnecting
// to the survivor brings the device online again.
func TestLapsedNodesSessionsEnd(t *testing.T) {
	c := newCluster(t)
	a := c.node(t, "node-a", c.st, nil)
	b := c.node(t, "node-b", c.st, nil)
	_, d := world(t, a)
	status := watch[core.DeviceEvent](t, b, core.SubjectStatus(d.DID))
	if _, err := a.DeviceOnline(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOnline {
		t.Fatalf("got %s, want online", ev.Kind)
	}

	died := time.Now()
	_ = a.Close(context.Background()) // a crash: its sessions are not ended
	if ev := receive(t, status); ev.Kind != core.EventOffline {
		t.Fatalf("got %s, want offline from the reaper", ev.Kind)
	}
	// Bounded by the lease plus a renewal interval, with room for a slow
	// machine; receive itself gives up after 5 s.
	t.Logf("offline %v after the node died (lease 300ms)", time.Since(died).Round(time.Millisecond))
	if online(t, c.st, d.DID) {
		t.Fatal("device still online in the store")
	}
	select {
	case ev := <-status:
		t.Fatalf("a second event after the reap: %s", ev.Kind)
	case <-time.After(500 * time.Millisecond):
	}

	if _, err := b.DeviceOnline(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOnline {
		t.Fatalf("reconnect on the survivor: got %s, want online", ev.Kind)
	}
}

// A node that cannot renew for longer than its lease is reaped by another;
// when it reaches the store again it learns so, starts a new life and asks
// for its device sessions to be closed; sessions it opens then are online.
func TestLeaseLostStartsANewLife(t *testing.T) {
	c := newCluster(t)
	cutA := &leaseStore{Store: c.st}
	lost := make(chan struct{}, 1)
	a := c.node(t, "node-a", cutA, func() { lost <- struct{}{} })
	c.node(t, "node-b", c.st, nil)
	_, d := world(t, a)
	status := watch[core.DeviceEvent](t, a, core.SubjectStatus(d.DID))
	first, err := a.DeviceOnline(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	receive(t, status) // online

	cutA.cut.Store(true)
	if ev := receive(t, status); ev.Kind != core.EventOffline {
		t.Fatalf("got %s, want offline from node-b's reap", ev.Kind)
	}
	cutA.cut.Store(false)
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("node-a was not told it lost its lease")
	}

	again, err := a.DeviceOnline(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	if again.Epoch <= first.Epoch {
		t.Fatalf("session after the lease loss has epoch %d, want more than %d", again.Epoch, first.Epoch)
	}
	if ev := receive(t, status); ev.Kind != core.EventOnline || !online(t, c.st, d.DID) {
		t.Fatalf("reconnect after the lease loss: got %s, want online", ev.Kind)
	}
}

// A session taken over by a newer one (on another node) is told to close
// by a control naming the newer owner; the takeover itself is no event.
func TestTakeoverAcrossNodesClosesTheOlderSession(t *testing.T) {
	c := newCluster(t)
	a := c.node(t, "node-a", c.st, nil)
	b := c.node(t, "node-b", c.st, nil)
	_, d := world(t, a)
	controls := watch[core.Control](t, a, core.SubjectControl(d.DID))
	if _, err := a.DeviceOnline(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	newer, err := b.DeviceOnline(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	ctl := receive(t, controls)
	if ctl.Kind != core.ControlTakenOver || ctl.Owner != newer || ctl.DID != d.DID {
		t.Fatalf("control = %+v, want taken_over by %+v", ctl, newer)
	}
}
