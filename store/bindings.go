package store

import (
	"context"
	"time"
)

// Binding says a user may see and control a device.
type Binding struct {
	UID, DID string
	// Remark, Alias and Label are the user's own notes on the device
	// (remark, dev_alias, dev_label in the Gizwits API).
	Remark, Alias, Label string
	// Role is "owner" for the first user bound to a device, "normal" after;
	// Bind decides it (atomically), whatever the caller passes.
	Role      string
	CreatedAt time.Time
}

// Bindings stores user-device bindings.
type Bindings interface {
	// Bind inserts b with the role it decides, or when (UID, DID) exists
	// leaves it unchanged and returns it with created=false. ErrNotFound when
	// the user or the device does not exist. pushes are enqueued in the same
	// transaction, only when the binding is created.
	Bind(ctx context.Context, b Binding, pushes ...Push) (got Binding, created bool, err error)
	// Unbind removes the binding (and so the subscriptions and placement
	// made through it) and enqueues pushes, in one transaction; ErrNotFound
	// if absent.
	Unbind(ctx context.Context, uid, did string, pushes ...Push) error
	// GetBinding returns one binding or ErrNotFound.
	GetBinding(ctx context.Context, uid, did string) (Binding, error)
	// UpdateBinding sets Remark, Alias and Label; ErrNotFound if absent.
	UpdateBinding(ctx context.Context, b Binding) error
	// ListUserBindings returns a user's bindings ordered by CreatedAt then
	// DID; limit 0 means no limit.
	ListUserBindings(ctx context.Context, uid string, limit, offset int) ([]Binding, error)
	// ListDeviceBindings returns every binding of a device, ordered by
	// CreatedAt then UID.
	ListDeviceBindings(ctx context.Context, did string) ([]Binding, error)
}
