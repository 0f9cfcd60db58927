package store

import (
	"context"
	"time"
)

// Presence keeps, per node life, how many app sessions watch each device,
// so a device's question "how many apps listen" (cli2ser_req 0x020F) is
// answered for every node sharing the store. Only current lives count:
// a life that is over (its node started again, or another node reaped it
// after its lease lapsed, Nodes) drops out at once, so a dead node's
// watchers lapse with its lease.
type Presence interface {
	// SetPresence records, in one transaction, the number of sessions of
	// life watching each did in counts; 0 forgets the device. It replaces
	// what an older life of the same node recorded for those devices.
	SetPresence(ctx context.Context, life NodeLife, counts map[string]int) error
	// CountPresence sums the sessions watching did over the current lives
	// of every node but exceptNode whose lease has not lapsed at now (a
	// life not leased yet counts).
	CountPresence(ctx context.Context, did, exceptNode string, now time.Time) (int, error)
	// ClearPresence forgets what the lives of life.NodeID up to and
	// including life.Epoch recorded, and returns how many devices it
	// forgot.
	ClearPresence(ctx context.Context, life NodeLife) (int, error)
}
