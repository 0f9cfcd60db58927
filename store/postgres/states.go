package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/switchboard-iot/switchboard/store"
)

// putStateSQL upserts one state, inserting nothing when the device is gone
// (the contract drops such states silently).
const putStateSQL = `INSERT INTO device_states (did, attrs, updated_at)
SELECT $1::text, $2::text, $3::bigint WHERE EXISTS (SELECT 1 FROM devices WHERE did = $1::text)
ON CONFLICT (did) DO UPDATE SET attrs = excluded.attrs, updated_at = excluded.updated_at`

// PutStates upserts the batch and enqueues pushes in one transaction. Later
// entries win over earlier ones for the same did.
func (s *Store) PutStates(ctx context.Context, states []store.State, pushes ...store.Push) error {
	if len(states) == 0 && len(pushes) == 0 {
		return nil
	}
	return s.writeTx(ctx, "put states", func(tx pgx.Tx) error {
		// One round trip for the whole flush, not one per state: the
		// statements still run in order, so a later entry for a did wins.
		var b pgx.Batch
		for _, st := range states {
			b.Queue(putStateSQL, st.DID, string(st.Attrs), toMS(st.UpdatedAt))
		}
		err := execBatch(ctx, tx, &b, func(i int, err error) error {
			return fmt.Errorf("state %q: %w", states[i].DID, err)
		})
		if err != nil {
			return err
		}
		return enqueueTx(ctx, tx, pushes)
	})
}

// GetState returns the latest state of a device or store.ErrNotFound.
func (s *Store) GetState(ctx context.Context, did string) (store.State, error) {
	var st store.State
	var attrs string
	var updated int64
	err := s.db.QueryRow(ctx, `SELECT did, attrs, updated_at FROM device_states WHERE did = $1`, did).
		Scan(&st.DID, &attrs, &updated)
	if err != nil {
		return store.State{}, mapErr(err, fmt.Sprintf("get state %q", did))
	}
	st.Attrs = []byte(attrs)
	st.UpdatedAt = fromMS(updated)
	return st, nil
}
