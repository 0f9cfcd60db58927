package store

import (
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
