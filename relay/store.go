package relay

import (
	"context"
	"time"
)

// App records that a watch quick app or a phone app registered
// with the interconnect relay (docs/protocol-interconnect.md): the relay
// answers "is the counterpart installed" (diagnosis 1001, isWearAppInstalled)
// from these rows, so they must survive restarts.
type App struct {
	UID     string // the account both sides belong to
	Package string
	// Fingerprint is the SHA-1 of the DER signing certificate as upper-case
	// hex pairs joined by ':' (e.g. "0B:82:...:C5"), computed by the relay.
	Fingerprint string
	// DID is the watch (a device bound to UID) for a watch app; "" for a
	// phone app.
	DID       string
	FirstSeen time.Time
	LastSeen  time.Time
}

// Count is the message tally of one pair: (UID, Package,
// Fingerprint, DID). Add* calls carry deltas; List* returns totals.
type Count struct {
	UID, Package, Fingerprint, DID string
	WatchToPhone, PhoneToWatch     int64
	LastMessageAt                  time.Time // zero: never
}

// Grant is a permission ("data_manager" or "notify") a user gave
// a phone app (package + fingerprint) on one watch.
type Grant struct {
	UID, DID, Package, Fingerprint, Permission string
	GrantedAt                                  time.Time
}

// Store is what the interconnect relay must remember. store/sqlite
// implements it; every engine must pass relay/relaytest. Writes that
// return nil are durable, as for store.Store.
type Store interface {
	// SaveInterconnectApp inserts a, or when the same app (UID, Package,
	// Fingerprint and DID) exists sets only its LastSeen. A watch app has
	// DID set, a phone app not. store.ErrNotFound when the user, or the watch
	// device, does not exist.
	SaveInterconnectApp(ctx context.Context, a App) error
	// ListInterconnectWatchApps returns watch apps ordered by UID, Package,
	// DID, Fingerprint; uid and pkg filter when not "".
	ListInterconnectWatchApps(ctx context.Context, uid, pkg string) ([]App, error)
	// ListInterconnectPhoneApps returns phone apps ordered by UID, Package,
	// Fingerprint; uid and pkg filter when not "".
	ListInterconnectPhoneApps(ctx context.Context, uid, pkg string) ([]App, error)
	// AddInterconnectCounts adds each delta to its pair's totals in one
	// transaction, keeping the later LastMessageAt. Pairs whose user or
	// device no longer exists are skipped, not an error: the counts of a
	// deleted device have nowhere to go.
	AddInterconnectCounts(ctx context.Context, deltas []Count) error
	// ListInterconnectCounts returns every pair's totals, ordered like
	// ListInterconnectWatchApps.
	ListInterconnectCounts(ctx context.Context) ([]Count, error)
	// GrantInterconnect records grants; granting again keeps the first
	// GrantedAt. store.ErrNotFound when the user or device does not exist.
	GrantInterconnect(ctx context.Context, grants []Grant) error
	// ListInterconnectGrants returns the grants of one phone app on one
	// watch, ordered by Permission.
	ListInterconnectGrants(ctx context.Context, uid, did, pkg, fingerprint string) ([]Grant, error)
}
