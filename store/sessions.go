package store

import (
	"context"
	"time"
)

// SessionOwner names one device session across nodes and restarts: the
// node it runs on, that node's boot epoch (Nodes.StartNode), and the node's
// own session counter within the epoch. Two sessions never share an owner,
// so "set offline where the owner is still mine" cannot end a newer
// session.
type SessionOwner struct {
	NodeID string
	Epoch  int64
	Seq    int64
}

// SessionStart is one entry of StartSessions: SetDeviceOnline's arguments.
type SessionStart struct {
	DID    string
	Owner  SessionOwner
	At     time.Time
	Pushes []Push // enqueued only if the device was offline
}

// SessionStarted is what StartSessions did with one entry.
type SessionStarted struct {
	// Found is false when there is no such device; nothing was written
	// for the entry (SetDeviceOnline's ErrNotFound).
	Found     bool
	WasOnline bool
}

// SessionEnd is one compare-and-set of EndSessions.
type SessionEnd struct {
	DID    string
	Owner  SessionOwner
	At     time.Time
	Pushes []Push // enqueued only if the session ends
}

// NodeLife is one life (start) of a node.
type NodeLife struct {
	NodeID string
	Epoch  int64
}

// Nodes numbers the lives of each node and keeps their leases: a running
// node renews its lease, and when a lease lapses (the node died, or lost
// the store for longer than the lease) another node reaps the life and
// ends its device sessions.
type Nodes interface {
	// StartNode records a start of nodeID at the given time and returns its
	// new epoch: 1 on the first start, one more than the previous one
	// after. Concurrent starts of the same id get distinct epochs. The new
	// life has no lease until its first RenewNode.
	StartNode(ctx context.Context, nodeID string, at time.Time) (epoch int64, err error)
	// RenewNode extends the lease of the life (nodeID, epoch) to until.
	// ErrNotFound when that life is over: the node started again, or
	// another node reaped it.
	RenewNode(ctx context.Context, nodeID string, epoch int64, until time.Time) error
	// LapsedNodes lists the current lives whose lease ended before now and
	// that nobody has reaped.
	LapsedNodes(ctx context.Context, now time.Time) ([]NodeLife, error)
	// ReapNode marks the life reaped if its lease ended before now, so it
	// can no longer renew; false when it was renewed, reaped or replaced
	// meanwhile.
	ReapNode(ctx context.Context, nodeID string, epoch int64, now time.Time) (bool, error)
}
