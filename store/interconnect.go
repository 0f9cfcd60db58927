package store

import (
	"context"
	"time"
)

// InterconnectApp records that a watch quick app or a phone app registered
// with the interconnect relay (docs/protocol-interconnect.md): the relay
// answers "is the counterpart installed" (diagnosis 1001, isWearAppInstalled)
// from these rows, so they must survive restarts.
type InterconnectApp struct {
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

// InterconnectCount is the message tally of one pair: (UID, Package,
// Fingerprint, DID). Add* calls carry deltas; List* returns totals.
type InterconnectCount struct {
	UID, Package, Fingerprint, DID string
	WatchToPhone, PhoneToWatch     int64
	LastMessageAt                  time.Time // zero: never
}

// InterconnectGrant is a permission ("data_manager" or "notify") a user gave
// a phone app (package + fingerprint) on one watch.
type InterconnectGrant struct {
	UID, DID, Package, Fingerprint, Permission string
	GrantedAt                                  time.Time
}

// Interconnect stores what the interconnect relay must remember.
type Interconnect interface {
	// SaveInterconnectApp inserts a, or when the same app (UID, Package,
	// Fingerprint and DID) exists sets only its LastSeen. A watch app has
	// DID set, a phone app not. ErrNotFound when the user, or the watch
	// device, does not exist.
	SaveInterconnectApp(ctx context.Context, a InterconnectApp) error
	// ListInterconnectWatchApps returns watch apps ordered by UID, Package,
	// DID, Fingerprint; uid and pkg filter when not "".
	ListInterconnectWatchApps(ctx context.Context, uid, pkg string) ([]InterconnectApp, error)
	// ListInterconnectPhoneApps returns phone apps ordered by UID, Package,
	// Fingerprint; uid and pkg filter when not "".
	ListInterconnectPhoneApps(ctx context.Context, uid, pkg string) ([]InterconnectApp, error)
	// AddInterconnectCounts adds each delta to its pair's totals in one
	// transaction, keeping the later LastMessageAt. Pairs whose user or
	// device no longer exists are skipped, not an error: the counts of a
	// deleted device have nowhere to go.
	AddInterconnectCounts(ctx context.Context, deltas []InterconnectCount) error
	// ListInterconnectCounts returns every pair's totals, ordered like
	// ListInterconnectWatchApps.
	ListInterconnectCounts(ctx context.Context) ([]InterconnectCount, error)
	// GrantInterconnect records grants; granting again keeps the first
	// GrantedAt. ErrNotFound when the user or device does not exist.
	GrantInterconnect(ctx context.Context, grants []InterconnectGrant) error
	// ListInterconnectGrants returns the grants of one phone app on one
	// watch, ordered by Permission.
	ListInterconnectGrants(ctx context.Context, uid, did, pkg, fingerprint string) ([]InterconnectGrant, error)
}
