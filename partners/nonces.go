package partners

import (
	"context"
	"strings"
	"time"
)

// UseNonce records the nonce of a partner request verified at now for ttl
// and reports whether it was fresh, on any node sharing the store. The
// nonce is compared lower-cased: the signature lower-cases everything, so
// "AbC12" and "abc12" sign alike and are the same nonce.
func (n *Domain) UseNonce(ctx context.Context, appID, nonce string, now time.Time, ttl time.Duration) (bool, error) {
	return n.store.UseNonce(ctx, appID, strings.ToLower(nonce), now, now.Add(ttl))
}
