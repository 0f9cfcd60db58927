package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// startNodeSQL numbers a node's lives in one statement, so two starts of
// the same id cannot read the same epoch.
const startNodeSQL = `INSERT INTO nodes (node_id, epoch, started_at) VALUES ($1, 1, $2)
ON CONFLICT (node_id) DO UPDATE SET epoch = nodes.epoch + 1, started_at = excluded.started_at, lease_until = NULL
RETURNING epoch`

// The lease statements. A reaped life has lease_until 0, which neither
// renews nor counts as lapsed again. reapNodeSQL is a compare-and-set, so
// of two nodes reaping one life exactly one wins.
const (
	renewNodeSQL = `UPDATE nodes SET lease_until = $3
WHERE node_id = $1 AND epoch = $2 AND (lease_until IS NULL OR lease_until > 0)`
	lapsedNodesSQL = `SELECT node_id, epoch FROM nodes WHERE lease_until > 0 AND lease_until < $1 ORDER BY node_id`
	reapNodeSQL    = `UPDATE nodes SET lease_until = 0
WHERE node_id = $1 AND epoch = $2 AND lease_until > 0 AND lease_until < $3`
)

// StartNode records a start of nodeID and returns its new epoch.
func (s *Store) StartNode(ctx context.Context, nodeID string, at time.Time) (int64, error) {
	var epoch int64
	err := s.db.QueryRow(ctx, startNodeSQL, nodeID, toMS(at)).Scan(&epoch)
	return epoch, mapErr(err, fmt.Sprintf("start node %q", nodeID))
}

// RenewNode extends the lease of one life; store.ErrNotFound if it is over.
func (s *Store) RenewNode(ctx context.Context, nodeID string, epoch int64, until time.Time) error {
	return s.updateOne(ctx, fmt.Sprintf("renew node %q", nodeID), renewNodeSQL, nodeID, epoch, toMS(until))
}

// LapsedNodes lists the unreaped lives whose lease ended before now.
func (s *Store) LapsedNodes(ctx context.Context, now time.Time) ([]store.NodeLife, error) {
	rows, err := s.db.Query(ctx, lapsedNodesSQL, toMS(now))
	return collect(rows, err, "lapsed nodes", func(sc scanner) (store.NodeLife, error) {
		var l store.NodeLife
		err := sc.Scan(&l.NodeID, &l.Epoch)
		return l, err
	})
}

// ReapNode marks a lapsed life reaped; false if it is not lapsed (any more).
func (s *Store) ReapNode(ctx context.Context, nodeID string, epoch int64, now time.Time) (bool, error) {
	tag, err := s.db.Exec(ctx, reapNodeSQL, nodeID, epoch, toMS(now))
	if err != nil {
		return false, mapErr(err, fmt.Sprintf("reap node %q", nodeID))
	}
	return tag.RowsAffected() == 1, nil
}
