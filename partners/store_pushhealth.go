package partners

import (
	"context"
	"time"
)

// PushWindow is a partner's push-failure window (core/pushhealth.go): the
// attempts and failures of each bucket, newest first, the start of the
// newest bucket, and the warning clock. The core owns its meaning; the
// store keeps it across restarts.
type PushWindow struct {
	AppID     string
	Start     time.Time
	Attempts  []int
	Failed    []int
	WarnedAt  time.Time // zero: not warned
	LastError string
}

// PushHealthStore stores the push-failure windows.
type PushHealthStore interface {
	// PutPushWindow inserts or replaces a partner's window; ErrNotFound if
	// the partner does not exist. The window goes with its partner.
	PutPushWindow(ctx context.Context, w PushWindow) error
	// DeletePushWindow forgets a partner's window; no error if none.
	DeletePushWindow(ctx context.Context, appID string) error
	// ListPushWindows returns every stored window, ordered by app id.
	ListPushWindows(ctx context.Context) ([]PushWindow, error)
}
