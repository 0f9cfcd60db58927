package store

import (
	"context"
	"time"
)

// Bucket is the shape of a family of token buckets: one token comes back
// every Every, up to Burst tokens. Name keeps families apart in one table.
type Bucket struct {
	Name  string
	Every time.Duration
	Burst int
}

// RateLimits are token buckets kept in the store, so every node sharing it
// spends one budget per key instead of one each.
//
// A bucket is one row holding its theoretical arrival time (GCRA): the
// instant it would be full again. Taking a token moves it on by Every; the
// take is refused while that would put it more than Every*Burst ahead of
// now. A row whose time has passed is a full bucket, indistinguishable from
// no row, which is why pruning such rows loses nothing.
type RateLimits interface {
	// TakeToken takes one token from bucket (b.Name, key) at now, in one
	// atomic statement. When it is refused, retryAt is the earliest time a
	// take can succeed, as far as this store knows: other takes can only
	// move it later, so a caller may refuse the key until then without
	// asking again.
	TakeToken(ctx context.Context, b Bucket, key string, now time.Time) (ok bool, retryAt time.Time, err error)
	// PruneRateLimits deletes the buckets that are full at now and returns
	// how many.
	PruneRateLimits(ctx context.Context, now time.Time) (int, error)
}
