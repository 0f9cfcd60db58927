package postgres

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/switchboard-iot/switchboard/store"
)

// The presence statements (as store/sqlite's). A row is written only by
// its own node, so nodes never contend for one; sorting the dids keeps a
// node's own concurrent writes (a new life's and a late old one's) from
// deadlocking.
const (
	setPresenceSQL = `INSERT INTO app_presence (did, node_id, epoch, sessions) VALUES ($1, $2, $3, $4)
ON CONFLICT (did, node_id) DO UPDATE SET epoch = $3, sessions = $4 WHERE app_presence.epoch <= $3`
	unsetPresenceSQL = `DELETE FROM app_presence WHERE did = $1 AND node_id = $2 AND epoch <= $3`
	countPresenceSQL = `SELECT COALESCE(SUM(p.sessions), 0)::BIGINT FROM app_presence p
JOIN nodes n ON n.node_id = p.node_id AND n.epoch = p.epoch
WHERE p.did = $1 AND p.node_id <> $2 AND (n.lease_until IS NULL OR n.lease_until > $3)`
	clearPresenceSQL = `DELETE FROM app_presence WHERE node_id = $1 AND epoch <= $2`
)

// SetPresence records one life's watcher counts in one transaction.
func (s *Store) SetPresence(ctx context.Context, life store.NodeLife, counts map[string]int) error {
	if len(counts) == 0 {
		return nil
	}
	dids := make([]string, 0, len(counts))
	for did := range counts {
		dids = append(dids, did)
	}
	slices.Sort(dids)
	what := fmt.Sprintf("set app presence of node %q", life.NodeID)
	return s.writeTx(ctx, what, func(tx pgx.Tx) error {
		var b pgx.Batch
		for _, did := range dids {
			if n := counts[did]; n > 0 {
				b.Queue(setPresenceSQL, did, life.NodeID, life.Epoch, n)
			} else {
				b.Queue(unsetPresenceSQL, did, life.NodeID, life.Epoch)
			}
		}
		return execBatch(ctx, tx, &b, func(i int, err error) error {
			return fmt.Errorf("device %q: %w", dids[i], err)
		})
	})
}

// CountPresence sums the watchers of did on the other nodes' live lives.
func (s *Store) CountPresence(ctx context.Context, did, exceptNode string, now time.Time) (int, error) {
	var n int64
	err := s.db.QueryRow(ctx, countPresenceSQL, did, exceptNode, toMS(now)).Scan(&n)
	return int(n), mapErr(err, fmt.Sprintf("count app presence of %q", did))
}

// ClearPresence forgets what a node's lives up to life.Epoch recorded.
func (s *Store) ClearPresence(ctx context.Context, life store.NodeLife) (int, error) {
	return s.deleteMany(ctx, fmt.Sprintf("clear app presence of node %q", life.NodeID), clearPresenceSQL, life.NodeID, life.Epoch)
}
