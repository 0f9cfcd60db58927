package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// startNodeSQL numbers a node's lives in one statement, so two starts of
// the same id (on a shared database) cannot read the same epoch.
const startNodeSQL = `INSERT INTO nodes (node_id, epoch, started_at) VALUES (?1, 1, ?2)
ON CONFLICT (node_id) DO UPDATE SET epoch = epoch + 1, started_at = excluded.started_at, lease_until = NULL
RETURNING epoch`

// The lease statements. A reaped life has lease_until 0, which neither
// renews nor counts as lapsed again.
const (
	renewNodeSQL = `UPDATE nodes SET lease_until = ?3
WHERE node_id = ?1 AND epoch = ?2 AND (lease_until IS NULL OR lease_until > 0)`
	lapsedNodesSQL = `SELECT node_id, epoch FROM nodes WHERE lease_until > 0 AND lease_until < ?1 ORDER BY node_id`
	reapNodeSQL    = `UPDATE nodes SET lease_until = 0
WHERE node_id = ?1 AND epoch = ?2 AND lease_until > 0 AND lease_until < ?3`
)

// StartNode records a start of nodeID and returns its new epoch.
func (s *Store) StartNode(ctx context.Context, nodeID string, at time.Time) (int64, error) {
	var epoch int64
	err := s.wq.queryRow(ctx, startNodeSQL, nodeID, toMS(at)).Scan(&epoch)
	return epoch, mapErr(err, fmt.Sprintf("start node %q", nodeID))
}

// RenewNode extends the lease of one life; store.ErrNotFound if it is over.
func (s *Store) RenewNode(ctx context.Context, nodeID string, epoch int64, until time.Time) error {
	return s.updateOne(ctx, fmt.Sprintf("renew node %q", nodeID), renewNodeSQL, nodeID, epoch, toMS(until))
}

// LapsedNodes lists the unreaped lives whose lease ended before now.
func (s *Store) LapsedNodes(ctx context.Context, now time.Time) ([]store.NodeLife, error) {
	rows, err := s.rq.query(ctx, lapsedNodesSQL, toMS(now))
	if err != nil {
		return nil, mapErr(err, "lapsed nodes")
	}
	defer rows.Close()
	var out []store.NodeLife
	for rows.Next() {
		var l store.NodeLife
		if err := rows.Scan(&l.NodeID, &l.Epoch); err != nil {
			return nil, mapErr(err, "lapsed nodes")
		}
		out = append(out, l)
	}
	return out, mapErr(rows.Err(), "lapsed nodes")
}

// ReapNode marks a lapsed life reaped; false if it is not lapsed (any more).
func (s *Store) ReapNode(ctx context.Context, nodeID string, epoch int64, now time.Time) (bool, error) {
	res, err := s.wq.exec(ctx, reapNodeSQL, nodeID, epoch, toMS(now))
	if err != nil {
		return false, mapErr(err, fmt.Sprintf("reap node %q", nodeID))
	}
	n, err := res.RowsAffected()
	return n == 1, mapErr(err, fmt.Sprintf("reap node %q", nodeID))
}
