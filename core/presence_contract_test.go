package core_test

import (
	"context"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/core/presencetest"
	"github.com/switchboard-iot/switchboard/store"
)

// presenceFlush is the shared presence's write interval in these tests
// (the nodes' state flush interval).
const presenceFlush = 20 * time.Millisecond

// sharedNode starts a node of c with the presence kept in the store.
func (c *cluster) sharedNode(t *testing.T, id string, st store.Store, lost func()) *core.Node {
	t.Helper()
	n, err := core.New(core.Options{Store: st, Bus: c.bus, NodeID: id, NodeLease: 300 * time.Millisecond,
		LeaseLost: lost, SharedPresence: true, StateFlushInterval: presenceFlush})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = n.Close(context.Background()) })
	return n
}

func TestMemoryPresenceContract(t *testing.T) {
	presencetest.Run(t, func(*testing.T) core.Presence { return core.NewMemoryPresence() })
}

func TestStorePresenceContract(t *testing.T) {
	presencetest.Run(t, func(t *testing.T) core.Presence {
		c := newCluster(t)
		return c.sharedNode(t, "node-a", c.st, nil).Presence()
	})
	presencetest.RunNodes(t, 5*time.Second, func(t *testing.T) (core.Presence, core.Presence) {
		c := newCluster(t)
		return c.sharedNode(t, "node-a", c.st, nil).Presence(), c.sharedNode(t, "node-b", c.st, nil).Presence()
	})
}

// countIs polls n's count of app sessions on did until it is want.
func countIs(t *testing.T, n *core.Node, did string, want int, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for n.AppSessions(did) != want {
		if time.Now().After(deadline) {
			t.Fatalf("%s: app sessions of %s = %d, want %d", what, did, n.AppSessions(did), want)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A node's app sessions stop counting elsewhere when it stops, and when
// its lease lapses (it lost the store: it may be dead); a node that comes
// back with a new life counts again, without its sessions doing anything.
func TestStorePresenceFollowsNodeLives(t *testing.T) {
	c := newCluster(t)
	cutA := &leaseStore{Store: c.st}
	lost := make(chan struct{}, 1)
	a := c.sharedNode(t, "node-a", cutA, func() { lost <- struct{}{} })
	b := c.sharedNode(t, "node-b", c.st, nil)
	if err := a.Presence().Add("d1", "usr1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Presence().Add("d1", "usr2"); err != nil {
		t.Fatal(err)
	}
	countIs(t, b, "d1", 2, "watchers on node a")

	cutA.cut.Store(true)
	countIs(t, b, "d1", 0, "node a's lease lapsed")
	if n := a.AppSessions("d1"); n != 2 {
		t.Fatalf("node a counts %d of its own sessions, want 2", n)
	}
	// Lapsed is not yet reaped: wait for node b to reap it, or node a
	// could renew in between and keep its life.
	deadline := time.Now().Add(5 * time.Second)
	for {
		lapsed, err := c.st.LapsedNodes(context.Background(), time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(lapsed) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node a's lapsed life was not reaped: %+v", lapsed)
		}
		time.Sleep(5 * time.Millisecond)
	}
	cutA.cut.Store(false)
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("node a was not told it lost its lease")
	}
	countIs(t, b, "d1", 2, "node a's new life")

	c2 := c.sharedNode(t, "node-c", c.st, nil)
	if err := c2.Presence().Add("d1", "usr3"); err != nil {
		t.Fatal(err)
	}
	countIs(t, b, "d1", 3, "watchers on nodes a and c")
	if err := c2.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A stopped node clears its rows as it closes: no wait for the lease.
	if n := b.AppSessions("d1"); n != 2 {
		t.Fatalf("after node c stopped: %d app sessions, want 2", n)
	}
}
