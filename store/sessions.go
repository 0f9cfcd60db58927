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

// SessionEnd is one compare-and-set of EndSessions.
type SessionEnd struct {
	DID    string
	Owner  SessionOwner
	At     time.Time
	Pushes []Push // enqueued only if the session ends
}

// Nodes numbers the lives of each node.
type Nodes interface {
	// StartNode records a start of nodeID at the given time and returns its
	// new epoch: 1 on the first start, one more than the previous one
	// after. Concurrent starts of the same id get distinct epochs.
	StartNode(ctx context.Context, nodeID string, at time.Time) (epoch int64, err error)
}
