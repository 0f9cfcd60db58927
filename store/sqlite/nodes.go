package sqlite

import (
	"context"
	"fmt"
	"time"
)

// startNodeSQL numbers a node's lives in one statement, so two starts of
// the same id (on a shared database) cannot read the same epoch.
const startNodeSQL = `INSERT INTO nodes (node_id, epoch, started_at) VALUES (?1, 1, ?2)
ON CONFLICT (node_id) DO UPDATE SET epoch = epoch + 1, started_at = excluded.started_at
RETURNING epoch`

// StartNode records a start of nodeID and returns its new epoch.
func (s *Store) StartNode(ctx context.Context, nodeID string, at time.Time) (int64, error) {
	var epoch int64
	err := s.wq.queryRow(ctx, startNodeSQL, nodeID, toMS(at)).Scan(&epoch)
	return epoch, mapErr(err, fmt.Sprintf("start node %q", nodeID))
}
