package store

import (
	"context"
	"time"
)

// PushState is where a push is in its life.
type PushState int

const (
	// PushPending: not delivered yet; retried from NextAt.
	PushPending PushState = 0
	// PushDelivered: delivered after at least one failed attempt. (A push
	// delivered at its first attempt is deleted: nothing asks for it again.)
	PushDelivered PushState = 1
	// PushDead: the retry horizon passed without a delivery.
	PushDead PushState = 2
)

// Push is one message for a partner in the durable outbox.
//
// Rows are written in the same transaction as the event that causes them:
// the variadic pushes parameter of PutStates, SetDeviceOnline, Bind, Unbind
// and DeleteDevice. So an event the store acknowledged has its pushes on
// disk too, and a push never exists for an event that was rolled back.
type Push struct {
	ID    int64  // assigned by the store on enqueue
	MsgID string // unique; the receiver's de-duplication key
	AppID string // the partner
	// Payload is the message as the core describes it (JSON, no wire
	// format); the push adapter renders the HTTP body from it.
	Payload   []byte
	State     PushState
	Attempts  int
	LastError string
	CreatedAt time.Time
	NextAt    time.Time // when the next attempt is due (pending only)
	FailedAt  time.Time // first failed attempt; zero if none
	DoneAt    time.Time // delivered or given up; zero while pending
}

// PushFailure records one failed attempt.
type PushFailure struct {
	ID       int64
	Attempts int // attempts so far, this one included
	Error    string
	At       time.Time
	NextAt   time.Time // next attempt; ignored when Dead
	Dead     bool      // give up: the push becomes PushDead
}

// Outbox stores pushes waiting for delivery.
type Outbox interface {
	// EnqueuePushes inserts pushes in one transaction, for events that are
	// not stored otherwise. ID, State, Attempts and DoneAt are ignored;
	// ErrConflict when a MsgID exists.
	EnqueuePushes(ctx context.Context, pushes []Push) error
	// DuePushes returns up to limit pending pushes of a partner whose NextAt
	// is not after now, oldest first (by ID).
	DuePushes(ctx context.Context, appID string, now time.Time, limit int) ([]Push, error)
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
	FailedPushes(ctx context.Context, appID string, since time.Time, limit, offset int) ([]Push, error)
	// PrunePushes deletes pushes that are done (delivered or dead) and whose
	// first failure is before failedBefore; it returns how many.
	PrunePushes(ctx context.Context, failedBefore time.Time) (int, error)
}
