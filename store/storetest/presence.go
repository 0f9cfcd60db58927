package storetest

import (
	"testing"

	"github.com/switchboard-iot/switchboard/store"
)

// testPresence covers the app-session presence of node lives: counts add
// up over nodes, a node's own rows are left out of its count, and a life
// drops out when it is over (restarted, reaped) or its lease lapsed.
func testPresence(t *testing.T, open opener) {
	t.Parallel()
	s, ctx := open(t), t.Context()
	life := func(node string) store.NodeLife {
		t.Helper()
		epoch, err := s.StartNode(ctx, node, at(1))
		if err != nil {
			t.Fatalf("StartNode(%s): %v", node, err)
		}
		return store.NodeLife{NodeID: node, Epoch: epoch}
	}
	set := func(l store.NodeLife, counts map[string]int) {
		t.Helper()
		if err := s.SetPresence(ctx, l, counts); err != nil {
			t.Fatalf("SetPresence(%+v, %v): %v", l, counts, err)
		}
	}
	count := func(did, except string, now int, want int) {
		t.Helper()
		n, err := s.CountPresence(ctx, did, except, at(now))
		if err != nil || n != want {
			t.Fatalf("CountPresence(%s, except %q, at %d) = %d, %v; want %d", did, except, now, n, err, want)
		}
	}

	count("d1", "", 5, 0)
	a, b, c := life("node-a"), life("node-b"), life("node-c")
	set(a, map[string]int{"d1": 2, "d2": 1})
	set(b, map[string]int{"d1": 3})
	set(c, nil) // nothing to record is no error
	count("d1", "", 5, 5)
	count("d1", "node-c", 5, 5)
	count("d1", "node-a", 5, 3) // a node counts its own sessions itself
	count("d2", "node-b", 5, 1)
	set(a, map[string]int{"d1": 1, "d2": 0}) // replace and forget
	count("d1", "node-c", 5, 4)
	count("d2", "node-c", 5, 0)

	// A life with a lease counts until the lease ends.
	if err := s.RenewNode(ctx, b.NodeID, b.Epoch, at(10)); err != nil {
		t.Fatalf("RenewNode: %v", err)
	}
	count("d1", "node-c", 9, 4)
	count("d1", "node-c", 10, 1) // lapsed: b's three drop out
	if ok, err := s.ReapNode(ctx, b.NodeID, b.Epoch, at(11)); err != nil || !ok {
		t.Fatalf("ReapNode = %v, %v", ok, err)
	}
	count("d1", "node-c", 5, 1) // reaped: out whatever the time

	// A restarted node's old life drops out at once, and its new life's
	// rows replace the old ones; a late write of the old life changes
	// nothing.
	a2 := life("node-a")
	count("d1", "node-c", 5, 0)
	set(a2, map[string]int{"d1": 7})
	set(a, map[string]int{"d1": 1})
	set(a, map[string]int{"d1": 0})
	count("d1", "node-c", 5, 7)

	// ClearPresence forgets the lives up to the one named, not later ones.
	set(b, map[string]int{"d3": 1})
	if n, err := s.ClearPresence(ctx, a); err != nil || n != 0 {
		t.Fatalf("ClearPresence(old life) = %d, %v; want 0 (the new life's row stays)", n, err)
	}
	count("d1", "node-c", 5, 7)
	if n, err := s.ClearPresence(ctx, a2); err != nil || n != 1 {
		t.Fatalf("ClearPresence(current life) = %d, %v; want 1", n, err)
	}
	count("d1", "node-c", 5, 0)
	if n, err := s.ClearPresence(ctx, b); err != nil || n != 2 {
		t.Fatalf("ClearPresence(reaped life) = %d, %v; want 2", n, err)
	}
}
