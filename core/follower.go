package core

import (
	"context"
	"encoding/json"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// Follower is a domain beside the device model that writes rows of its own
// in core's transactions: the partner domain's pushes. For every change
// core asks it for the rows (store.Push) to write with the change, writes
// them in the same transaction, and then tells it whether they were
// written, so a change the store acknowledged never lacks its followers'
// rows and a change that failed leaves none. Core knows no follower by
// name; without one (Options.Follower nil) nothing is added.
//
// The For methods are called with core's per-device lock held: they must
// not block on the network or call back into the node.
type Follower interface {
	// Subscribed reports whether anyone follows the device's datapoints;
	// core then tells ForReport which of them changed.
	Subscribed(did string) bool
	// ForReport returns the rows of a report whose changed datapoints
	// (name to shown JSON value) are given.
	ForReport(did, productKey string, changed map[string]json.RawMessage, at time.Time) []store.Push
	// ForStatus returns the rows of a device going online or offline.
	ForStatus(did, productKey string, online bool, at time.Time) []store.Push
	// ForBinding returns the rows of a user binding or unbinding a device.
	ForBinding(ctx context.Context, uid, did, productKey string, bind bool, at time.Time) ([]store.Push, error)
	// Written: the rows are on disk. Unwritten: they never will be.
	Written(rows []store.Push)
	Unwritten(rows []store.Push)
	// DeviceChanged: the device was unbound or deleted; what the follower
	// keeps about it may be stale.
	DeviceChanged(ctx context.Context, did string)
}

// noFollower follows nothing.
type noFollower struct{}

func (noFollower) Subscribed(string) bool { return false }
func (noFollower) ForReport(string, string, map[string]json.RawMessage, time.Time) []store.Push {
	return nil
}
func (noFollower) ForStatus(string, string, bool, time.Time) []store.Push { return nil }
func (noFollower) ForBinding(context.Context, string, string, string, bool, time.Time) ([]store.Push, error) {
	return nil, nil
}
func (noFollower) Written([]store.Push)                  {}
func (noFollower) Unwritten([]store.Push)                {}
func (noFollower) DeviceChanged(context.Context, string) {}
