package sqlite

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/switchboard-iot/switchboard/store"
)

// putStateSQL upserts one state, inserting nothing when the device is gone:
// a state can be queued just before its device is deleted, and the contract
// says such states are dropped silently rather than failing the batch.
// (The WHERE is also what lets SQLite parse ON CONFLICT after a SELECT.)
const putStateSQL = `INSERT INTO device_states (did, attrs, updated_at)
SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM devices WHERE did = ?1)
ON CONFLICT (did) DO UPDATE SET attrs = excluded.attrs, updated_at = excluded.updated_at`

// PutStates upserts the batch and enqueues pushes in one transaction, so
// the batch costs one fsync and its pushes cannot outlive or miss it. Later
// entries win over earlier ones for the same did.
func (s *Store) PutStates(ctx context.Context, states []store.State, pushes ...store.Push) error {
	if len(states) == 0 && len(pushes) == 0 {
		return nil
	}
	return s.writeTx(ctx, "put states", func(tx *sql.Tx) error {
		if err := s.putStatesTx(ctx, tx, states); err != nil {
			return err
		}
		return s.enqueueTx(ctx, tx, pushes)
	})
}

// putStatesTx runs putStateSQL once per state inside tx.
func (s *Store) putStatesTx(ctx context.Context, tx *sql.Tx, states []store.State) error {
	if len(states) == 0 {
		return nil
	}
	stmt, err := s.wq.inTx(ctx, tx, putStateSQL)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, st := range states {
		if _, err := stmt.ExecContext(ctx, st.DID, string(st.Attrs), toMS(st.UpdatedAt)); err != nil {
			return fmt.Errorf("state %q: %w", st.DID, err)
		}
	}
	return nil
}

// GetState returns the latest state of a device or store.ErrNotFound when
// nothing was ever stored for it (or the device does not exist).
func (s *Store) GetState(ctx context.Context, did string) (store.State, error) {
	var st store.State
	var attrs string
	var updated int64
	err := s.rq.queryRow(ctx,
		`SELECT did, attrs, updated_at FROM device_states WHERE did = ?`, did).
		Scan(&st.DID, &attrs, &updated)
	if err != nil {
		return store.State{}, mapErr(err, fmt.Sprintf("get state %q", did))
	}
	st.Attrs = []byte(attrs)
	st.UpdatedAt = fromMS(updated)
	return st, nil
}
