package store

import "context"

// Bootstrap holds the values the nodes sharing a store must agree on from
// their first start (the generated admin token, the demo data set): the
// first node to claim a name sets its value, and every other node reads it,
// however many start at the same moment.
type Bootstrap interface {
	// ClaimValue stores value under name unless name has one; it returns
	// the stored value and whether it is this call's.
	ClaimValue(ctx context.Context, name, value string) (stored string, won bool, err error)
	// ReplaceValue sets name's value to value if it is old, in one
	// compare-and-set, and reports whether it did.
	ReplaceValue(ctx context.Context, name, old, value string) (bool, error)
}
