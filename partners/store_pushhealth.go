package partners

import (
	"context"
	"time"
)

// PushCount is a number of push attempts of a partner in one bucket of
// time (pushhealth.go): what one node adds to the partner's counts.
type PushCount struct {
	Bucket   time.Time // the bucket's start
	Attempts int
	Failed   int
}

// PushTally is a partner's push health as every node sees it: the attempts
// and failures of all nodes over a window, the warning clock and the
// latest error.
type PushTally struct {
	Attempts  int
	Failed    int
	WarnedAt  time.Time // zero: not warned
	LastError string
}

// PushHealthStore stores push health, shared by the nodes: each node adds
// its attempts to the partner's counts (so the rule judges the partner's
// pushes, not one node's share), and the warning clock is one value that
// nodes change by compare-and-set (so it starts, and suspends, once).
type PushHealthStore interface {
	// AddPushCounts adds counts to the partner's buckets (what several
	// nodes add to one bucket sums up), records lastErr as the latest
	// error unless it is "", deletes the buckets that start before since,
	// and returns the tally of the buckets from since on, in one
	// transaction. ErrNotFound if the partner does not exist.
	AddPushCounts(ctx context.Context, appID string, counts []PushCount, lastErr string, since time.Time) (PushTally, error)
	// PushTally returns the tally of the buckets from since on, writing
	// nothing; the zero tally when the partner has none.
	PushTally(ctx context.Context, appID string, since time.Time) (PushTally, error)
	// SetPushWarning sets the warning clock to to (zero: not warned) if it
	// is still from, and reports whether it did; false when another node
	// changed it first. ErrNotFound if the partner does not exist.
	SetPushWarning(ctx context.Context, appID string, from, to time.Time) (bool, error)
	// DeletePushHealth forgets the partner's counts, warning and latest
	// error; no error if there are none.
	DeletePushHealth(ctx context.Context, appID string) error
}
