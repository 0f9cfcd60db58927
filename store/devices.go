package store

import (
	"context"
	"time"
)

// Device is one registered device. A device is identified by its did; the
// pair (ProductKey, MAC) is unique too, because registration of the same
// product key and MAC must yield the same did (notes §1.1).
type Device struct {
	DID        string // 22 characters
	ProductKey string
	MAC        string // lower-case hex, no separators
	Passcode   string
	Disabled   bool
	Online     bool
	// LastSeen is when the device last connected or disconnected; zero if never.
	LastSeen time.Time
	// Owner is the session that put the device online, or last did; zero
	// if none ever did (or it was online before owners were recorded).
	Owner     SessionOwner
	CreatedAt time.Time
}

// DeviceFilter narrows ListDevices. Zero values mean "no constraint";
// Limit 0 means no limit.
type DeviceFilter struct {
	ProductKey string
	Limit      int
	Offset     int
}

// Devices stores registered devices and their connection state.
type Devices interface {
	// RegisterDevice inserts d, or, when a device with the same ProductKey and
	// MAC exists, keeps its did, sets its passcode to d.Passcode and returns it
	// with created=false. d.DID is used only for a new row.
	RegisterDevice(ctx context.Context, d Device) (got Device, created bool, err error)
	// GetDevice returns the device with that did or ErrNotFound.
	GetDevice(ctx context.Context, did string) (Device, error)
	// FindDeviceByMAC returns the device of a product with that MAC
	// (normalised as stored) or ErrNotFound.
	FindDeviceByMAC(ctx context.Context, productKey, mac string) (Device, error)
	// ListDevices returns devices ordered by creation time, then did.
	ListDevices(ctx context.Context, f DeviceFilter) ([]Device, error)
	// SetDeviceDisabled flags or unflags a device; ErrNotFound if absent.
	SetDeviceDisabled(ctx context.Context, did string, disabled bool) error
	// SetDeviceOnline records that owner's session put the device online at
	// the given time: it becomes the owner whatever session owned it before
	// (a takeover). The pushes are enqueued in the same transaction, and
	// only when the device was offline; wasOnline reports that it was not.
	// ErrNotFound (nothing written) if absent.
	SetDeviceOnline(ctx context.Context, did string, owner SessionOwner, at time.Time, pushes ...Push) (wasOnline bool, err error)
	// StartSessions is SetDeviceOnline for every entry, in one transaction
	// (one disk sync for a burst of connects: the core's group commit).
	// Entries of one did apply in their order. An absent device is
	// reported as not Found and does not fail the others; any other error
	// writes none of the batch, and the results are then nil.
	StartSessions(ctx context.Context, starts []SessionStart) ([]SessionStarted, error)
	// EndSessions is a compare-and-set per entry: a device goes offline at
	// its At, with its pushes in the same transaction, only when it is
	// online and its Owner is the entry's. ended[i] reports whether entry i
	// did; an absent device is not an error (it did not end). All entries
	// commit together.
	EndSessions(ctx context.Context, ends []SessionEnd) (ended []bool, err error)
	// StaleSessions returns the online devices owned by nodeID with an
	// epoch below epoch (the sessions of that node's previous lives) and
	// the online devices without an owner, ordered by did.
	StaleSessions(ctx context.Context, nodeID string, epoch int64) ([]Device, error)
	// DeleteDevice removes the device, its state and its bindings, and
	// enqueues pushes, in one transaction; ErrNotFound if absent.
	DeleteDevice(ctx context.Context, did string, pushes ...Push) error
}
