// Package store defines Switchboard's durable state behind small interfaces.
//
// Every implementation (SQLite now, PostgreSQL later) must pass the contract
// suite in store/storetest. Writes that return nil are durable: the
// implementation has synced them to disk before returning.
package store

import (
	"errors"
	"io"
)

// Errors every implementation returns (wrapped or not) so callers can map
// them to protocol error codes without knowing the engine.
var (
	// ErrNotFound: the row asked for does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrConflict: a unique key (product key, app id, did, product+mac) is taken.
	ErrConflict = errors.New("store: conflict")
)

// Store is everything the core persists. It is the union of the per-entity
// interfaces so a caller can ask for only the part it needs.
type Store interface {
	Products
	Apps
	Devices
	States
	Users
	Tokens
	Bindings
	Nodes
	Presence
	RateLimits
	Bootstrap
	io.Closer
}
