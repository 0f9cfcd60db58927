package partners

import (
	"context"
	"time"
)

// NonceStore remembers the nonces of accepted partner requests across
// nodes, so a captured request cannot be replayed to another node.
type NonceStore interface {
	// UseNonce records (appID, nonce) until expires and reports whether it
	// was fresh: false when it is recorded and unexpired at now.
	UseNonce(ctx context.Context, appID, nonce string, now, expires time.Time) (fresh bool, err error)
	// PruneNonces deletes the nonces expired at now and returns how many.
	PruneNonces(ctx context.Context, now time.Time) (int, error)
}
