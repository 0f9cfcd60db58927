package devhttp

import (
	"context"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the device bootstrap uses of the node: registration, the
// device row, and unregistration. *core.Node satisfies it.
type Core interface {
	RegisterDevice(ctx context.Context, productKey, mac, passcode string) (store.Device, bool, error)
	Device(ctx context.Context, did string) (store.Device, error)
	UnregisterDevice(ctx context.Context, did, passcode string) error
}

var _ Core = (*core.Node)(nil)
