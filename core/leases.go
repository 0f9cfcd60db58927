package core

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/switchboard-iot/switchboard/internal/logevery"
	"github.com/switchboard-iot/switchboard/store"
)

// Node leases bound how long a dead node's devices stay online. Every node
// renews the lease of its life (store.Nodes) every third of the lease and,
// on the same tick, reaps the lives of other nodes whose lease lapsed: it
// ends their device sessions, with offline events and pushes, exactly as
// their own restart would. Ending is a compare-and-set on each session's
// owner, so two nodes reaping the same life end each device once, and a
// device that already reconnected elsewhere keeps its newer session.
//
// A node that could not renew in time (it lost the store, or stalled) may
// find its life reaped while its devices are still connected to it: their
// sessions are offline in the store. It then starts a new life and asks
// the gateway (Options.LeaseLost) to close every device session, so the
// devices reconnect and come online under the new life. Apps see offline
// then online, which is what happened.

// DefaultNodeLease is how long a node's devices outlive it at most, give or
// take a renewal interval.
const DefaultNodeLease = 15 * time.Second

type leaseKeeper struct {
	ttl      time.Duration
	lost     func()
	failures logevery.Limiter
	// reapFailures spaces out the warning of a store that cannot list
	// lapsed lives (it fails on every tick while the store is down).
	reapFailures logevery.Limiter
	// renewedUntil is the expiry (unix ns) of the last lease the store
	// took: until then this node's sessions are its own.
	renewedUntil atomic.Int64
}

// LeaseCurrent reports whether this node holds a lease the store took
// and that has not run out: false once the store has been unreachable
// (or the node stalled) for a lease, which is what readiness reports.
func (n *Node) LeaseCurrent() bool {
	return time.Now().UnixNano() < n.lease.renewedUntil.Load()
}

// leaseLoop renews this node's lease and reaps lapsed ones until Close.
func (n *Node) leaseLoop() {
	defer close(n.leaseDone)
	t := time.NewTicker(n.lease.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), n.lease.ttl/3)
		n.renewLease(ctx)
		n.reapLapsed(ctx)
		cancel()
	}
}

func (n *Node) renewLease(ctx context.Context) {
	c := &n.sessions
	epoch := c.epoch.Load()
	until := time.Now().Add(n.lease.ttl)
	err := n.store.RenewNode(ctx, c.nodeID, epoch, until)
	switch {
	case err == nil:
		n.lease.renewedUntil.Store(until.UnixNano())
		return
	case errors.Is(err, store.ErrNotFound):
		n.log.Error("node lease lost: another node ended this node's device sessions; starting a new life and closing them",
			"node_id", c.nodeID, "epoch", epoch)
		if err := n.startSessions(ctx); err != nil {
			n.log.Error("start a new node life", "err", err)
			return // next tick tries again: RenewNode still fails
		}
		if n.lease.lost != nil {
			n.lease.lost()
		}
	default:
		if ok, suppressed := n.lease.failures.Allow(time.Now()); ok {
			n.log.Warn("renew node lease", "err", err, "suppressed", suppressed)
		}
	}
}

// reapLapsed ends the device sessions of every other node whose lease
// lapsed, then marks the life reaped. A reaper that dies half-way leaves
// the life lapsed, so the next one finishes the work.
func (n *Node) reapLapsed(ctx context.Context) {
	lives, err := n.store.LapsedNodes(ctx, time.Now())
	if err != nil {
		if ok, suppressed := n.lease.reapFailures.Allow(time.Now()); ok {
			n.log.Warn("list lapsed nodes", "err", err, "suppressed", suppressed)
		}
		return
	}
	for _, l := range lives {
		if l.NodeID == n.sessions.nodeID {
			continue // our own lapsed life: renewLease handles it
		}
		stale, err := n.store.StaleSessions(ctx, l.NodeID, l.Epoch+1)
		if err != nil {
			n.log.Warn("list a lapsed node's sessions", "node_id", l.NodeID, "err", err)
			continue
		}
		// StaleSessions also lists devices online without an owner (from
		// before owners were recorded); those are for their own node's
		// start, not for us.
		own := stale[:0]
		for _, d := range stale {
			if d.Owner.NodeID == l.NodeID {
				own = append(own, d)
			}
		}
		ended, err := n.endAll(ctx, own)
		if err != nil {
			n.log.Warn("end a lapsed node's sessions", "node_id", l.NodeID, "err", err)
			continue
		}
		if _, err := n.store.ReapNode(ctx, l.NodeID, l.Epoch, time.Now()); err != nil {
			n.log.Warn("reap node", "node_id", l.NodeID, "err", err)
			continue
		}
		// Its app sessions already count no more (the life is over); this
		// only drops the rows.
		if _, err := n.store.ClearPresence(ctx, l); err != nil {
			n.log.Warn("clear a lapsed node's app presence", "node_id", l.NodeID, "err", err)
		}
		n.log.Warn("node lease lapsed; its device sessions ended", "node_id", l.NodeID, "epoch", l.Epoch, "sessions_ended", ended)
	}
}
