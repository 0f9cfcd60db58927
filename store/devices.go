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
	LastSeen  time.Time
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
	// SetDeviceOnline records a connect or disconnect at the given time and
	// enqueues pushes, in one transaction; ErrNotFound (nothing written) if
	// absent.
	SetDeviceOnline(ctx context.Context, did string, online bool, at time.Time, pushes ...Push) error
	// DeleteDevice removes the device, its state and its bindings, and
	// enqueues pushes, in one transaction; ErrNotFound if absent.
	DeleteDevice(ctx context.Context, did string, pushes ...Push) error
}
