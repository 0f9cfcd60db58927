package core

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// A device's online state is a fact in the store, and every change of it
// names the session that made it (store.SessionOwner: this node's id, its
// boot epoch, a counter). A session's end is a compare-and-set on that
// owner, so an end that arrives after a newer session took the device (a
// takeover, on this node or another) changes nothing, and a node that died
// without ending its sessions ends them on its next start (reconcile).
//
// Apps and partners hear about changes only: an online event (and its
// gateway_online pushes) when the device was offline, an offline event
// when the owning session ended it. A takeover is not a change. So the
// events of a device alternate online, offline, online, ... and the last
// one is the stored state. docs/architecture.md, "Sessions and online
// state".

// sessionClock numbers this node's sessions.
type sessionClock struct {
	nodeID string
	// epoch is the current life: set by startSessions before any session,
	// and again when the lease is lost (leases.go).
	epoch atomic.Int64
	seq   atomic.Int64
	// locks serialise the store write and the bus event of one device, so
	// its events leave in the order the store applied them.
	locks didLocks
}

// reconcileBatch is how many stale sessions one transaction ends.
const reconcileBatch = 256

// startSessions begins a new epoch and ends every session the store still
// holds for an older epoch of this node (and every online device without
// an owner, online from before owners were recorded): the node died
// without ending them. Each ended device gets its offline event and
// pushes, like any session's end.
func (n *Node) startSessions(ctx context.Context) error {
	c := &n.sessions
	began := time.Now()
	epoch, err := n.store.StartNode(ctx, c.nodeID, began.UTC())
	if err != nil {
		return err
	}
	if err := n.store.RenewNode(ctx, c.nodeID, epoch, began.Add(n.lease.ttl)); err != nil {
		return fmt.Errorf("take the node's lease: %w", err)
	}
	n.lease.renewedUntil.Store(began.Add(n.lease.ttl).UnixNano())
	c.epoch.Store(epoch)
	stale, err := n.store.StaleSessions(ctx, c.nodeID, epoch)
	if err != nil {
		return err
	}
	ended, err := n.endAll(ctx, stale)
	if err != nil {
		return err
	}
	n.log.Info("node started", "node_id", c.nodeID, "epoch", epoch,
		"stale_sessions_ended", ended, "took", time.Since(began).Round(time.Millisecond).String())
	return nil
}

// endAll ends the given sessions in transactions of reconcileBatch.
func (n *Node) endAll(ctx context.Context, ds []store.Device) (int, error) {
	ended := 0
	for len(ds) > 0 {
		k := min(len(ds), reconcileBatch)
		e, err := n.endSessions(ctx, ds[:k])
		ended += e
		if err != nil {
			return ended, err
		}
		ds = ds[k:]
	}
	return ended, nil
}

// endSessions ends the given devices' sessions (each with the owner it
// holds) in one transaction and tells apps and partners of those that
// ended. It returns how many did.
func (n *Node) endSessions(ctx context.Context, ds []store.Device) (int, error) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	ends := make([]store.SessionEnd, len(ds))
	for i, d := range ds {
		ends[i] = store.SessionEnd{DID: d.DID, Owner: d.Owner, At: now,
			Pushes: n.follower.ForStatus(d.DID, d.ProductKey, false, now)}
	}
	ended, err := n.store.EndSessions(ctx, ends)
	count := 0
	for i, e := range ends {
		if err != nil || !ended[i] {
			n.follower.Unwritten(e.Pushes)
			continue
		}
		count++
		n.follower.Written(e.Pushes)
		n.publishStatus(ctx, ds[i], false, now)
	}
	return count, err
}

// DeviceOnline records that a new session of the device is up, and tells
// apps and partners if the device was offline. It returns the session's
// owner, which the session's end must present to DeviceOffline.
func (n *Node) DeviceOnline(ctx context.Context, d store.Device) (store.SessionOwner, error) {
	c := &n.sessions
	owner := store.SessionOwner{NodeID: c.nodeID, Epoch: c.epoch.Load(), Seq: c.seq.Add(1)}
	unlock := c.locks.lock(d.DID)
	defer unlock()
	now := time.Now().UTC().Truncate(time.Millisecond)
	pushes := n.follower.ForStatus(d.DID, d.ProductKey, true, now)
	// Group-committed with the other connects in flight (onlinebatch.go);
	// this device's lock is held throughout, so its events keep the
	// store's order.
	res, err := n.online.start(ctx, store.SessionStart{DID: d.DID, Owner: owner, At: now, Pushes: pushes})
	if err == nil && !res.Found {
		err = store.ErrNotFound
	}
	was := res.WasOnline
	if err != nil || was {
		n.follower.Unwritten(pushes)
		if errors.Is(err, store.ErrNotFound) {
			err = ErrDeviceNotFound
		}
		if err == nil {
			// A takeover: the older session may be on another node, whose
			// broker knows nothing of this one.
			n.publishJSON(ctx, SubjectControl(d.DID), Control{Kind: ControlTakenOver, DID: d.DID,
				Reason: "session taken over", IssuedAt: now, Owner: owner})
		}
		return owner, err
	}
	n.follower.Written(pushes)
	n.publishStatus(ctx, d, true, now)
	return owner, nil
}

// DeviceOffline records that owner's session of the device ended. Only if
// that session still holds the device does it go offline, with its event
// and pushes; a session that was taken over ends silently. The device's
// latest state is flushed and dropped from the cache: the next session may
// land on another node.
func (n *Node) DeviceOffline(ctx context.Context, d store.Device, owner store.SessionOwner) error {
	unlock := n.sessions.locks.lock(d.DID)
	d.Owner = owner
	_, err := n.endSessions(ctx, []store.Device{d})
	unlock()
	n.states.release(ctx, d.DID)
	return err
}

// publishStatus tells apps (over the bus) that a device went on- or offline.
func (n *Node) publishStatus(ctx context.Context, d store.Device, online bool, at time.Time) {
	kind := EventOffline
	if online {
		kind = EventOnline
	}
	n.publishEvent(ctx, SubjectStatus(d.DID), &DeviceEvent{
		Kind: kind, DID: d.DID, ProductKey: d.ProductKey, MAC: d.MAC, At: at,
	})
}
