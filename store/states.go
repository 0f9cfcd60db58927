package store

import (
	"context"
	"time"
)

// State is the latest known datapoint values of one device.
type State struct {
	DID string
	// Attrs is a JSON object of datapoint name to shown value, as apps see it.
	Attrs     []byte
	UpdatedAt time.Time
}

// States stores the latest state per device.
type States interface {
	// PutStates upserts a batch of states, and enqueues pushes, in one
	// transaction. A state whose device no longer exists is skipped without
	// error (its pushes are still enqueued).
	PutStates(ctx context.Context, states []State, pushes ...Push) error
	// GetState returns the latest state of a device or ErrNotFound when
	// nothing was ever stored for it.
	GetState(ctx context.Context, did string) (State, error)
}
