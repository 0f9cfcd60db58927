package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"

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

// putStatesChunk is how many states one multi-row upsert carries. One
// statement per row cost most of a large flush's CPU in statement overhead
// (database/sql, the driver, the VDBE setup), all of it inside the single
// writer's transaction, which every QoS 1 report waits for.
const putStatesChunk = 32

// putStatesChunkSQL is putStateSQL for putStatesChunk rows at once.
var putStatesChunkSQL = func() string {
	var b strings.Builder
	b.WriteString(`INSERT INTO device_states (did, attrs, updated_at)
SELECT column1, column2, column3 FROM (VALUES `)
	for i := range putStatesChunk {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?)")
	}
	b.WriteString(`) WHERE EXISTS (SELECT 1 FROM devices WHERE did = column1)
ON CONFLICT (did) DO UPDATE SET attrs = excluded.attrs, updated_at = excluded.updated_at`)
	return b.String()
}()

// putStatesTx upserts the states inside tx: whole chunks with
// putStatesChunkSQL, the rest one row at a time. Only the last entry of a
// did is written (later entries win), so the order in which SQLite
// applies a chunk's rows does not matter.
func (s *Store) putStatesTx(ctx context.Context, tx *sql.Tx, states []store.State) error {
	states = lastPerDID(states)
	if len(states) == 0 {
		return nil
	}
	if len(states) >= putStatesChunk {
		chunk, err := s.wq.inTx(ctx, tx, putStatesChunkSQL)
		if err != nil {
			return err
		}
		defer chunk.Close()
		args := make([]any, 0, 3*putStatesChunk)
		for len(states) >= putStatesChunk {
			args = args[:0]
			for _, st := range states[:putStatesChunk] {
				args = append(args, st.DID, string(st.Attrs), toMS(st.UpdatedAt))
			}
			if _, err := chunk.ExecContext(ctx, args...); err != nil {
				return fmt.Errorf("states %q...: %w", states[0].DID, err)
			}
			states = states[putStatesChunk:]
		}
	}
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

// lastPerDID drops every state that a later one of the same did replaces,
// keeping the order of the rest. Batches from the core have one state per
// did, which it returns as they are.
func lastPerDID(states []store.State) []store.State {
	seen := make(map[string]struct{}, len(states))
	dup := false
	for i := len(states) - 1; i >= 0; i-- {
		if _, ok := seen[states[i].DID]; ok {
			dup = true
			break
		}
		seen[states[i].DID] = struct{}{}
	}
	if !dup {
		return states
	}
	clear(seen)
	out := make([]store.State, 0, len(states))
	for i := len(states) - 1; i >= 0; i-- {
		if _, ok := seen[states[i].DID]; ok {
			continue
		}
		seen[states[i].DID] = struct{}{}
		out = append(out, states[i])
	}
	slices.Reverse(out)
	return out
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
