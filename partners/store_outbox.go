package partners

import (
	"context"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// PushFailure records one failed attempt.
type PushFailure struct {
	ID       int64
	Attempts int // attempts so far, this one included
	Error    string
	At       time.Time
	NextAt   time.Time // next attempt; ignored when Dead
	Dead     bool      // give up: the push becomes PushDead
}

// OutboxStore stores pushes waiting for delivery.
type OutboxStore interface {
	// EnqueuePushes inserts pushes in one transaction, for events that are
	// not stored otherwise. ID, State, Attempts and DoneAt are ignored;
	// ErrConflict when a MsgID exists.
	EnqueuePushes(ctx context.Context, pushes []store.Push) error
	// DuePushes returns up to limit pending pushes of a partner whose NextAt
	// is not after now, oldest first (by ID).
	DuePushes(ctx context.Context, appID string, now time.Time, limit int) ([]store.Push, error)
	// ClaimPushes takes up to limit pending pushes of a partner due at now,
	// oldest first (by ID), for claimant (a node id), and makes each due
	// again only at until: a row lease, so no other node (sharing the
	// store) takes them while this one delivers, and a node that dies
	// mid-delivery leaves them to be retried from until. Concurrent claims
	// never return the same push. Delivered and failed pushes settle with
	// PushesDelivered and PushesFailed (which ends the claim).
	ClaimPushes(ctx context.Context, appID, claimant string, now, until time.Time, limit int) ([]store.Push, error)
	// ReleaseClaims makes the pending pushes claimant still claims due at
	// now: a node that restarts takes back what its previous life held.
	ReleaseClaims(ctx context.Context, claimant string, now time.Time) (int, error)
	// NextPushAt returns the earliest NextAt of a partner's pending pushes;
	// ok is false when none is pending.
	NextPushAt(ctx context.Context, appID string) (at time.Time, ok bool, err error)
	// PushesDelivered records deliveries: pushes that never failed are
	// deleted, the others become PushDelivered at at. Unknown ids are
	// ignored.
	PushesDelivered(ctx context.Context, ids []int64, at time.Time) error
	// PushesFailed records failed attempts. Unknown ids are ignored.
	PushesFailed(ctx context.Context, failures []PushFailure) error
	// CountPendingPushes returns the number of pending pushes per partner
	// (partners with none are absent).
	CountPendingPushes(ctx context.Context) (map[string]int64, error)
	// FailedPushes returns a partner's pushes whose first failure is at or
	// after since, newest failure first, at most limit, skipping the first
	// offset.
	FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]store.Push, error)
	// PrunePushes deletes pushes that are done (delivered or dead) and whose
	// first failure is before failedBefore; it returns how many.
	PrunePushes(ctx context.Context, failedBefore time.Time) (int, error)
}
