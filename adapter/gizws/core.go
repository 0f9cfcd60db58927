package gizws

import (
	"context"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the WebSocket API uses of the node: token checks, bindings
// and devices for authorization, control of devices, and the bus and
// presence that carry events to sessions and record who watches what.
// *core.Node satisfies it.
type Core interface {
	AuthToken(ctx context.Context, appID, token string) (store.User, core.TokenGrant, error)
	Binding(ctx context.Context, uid, did string) (store.Binding, error)
	Bindings(ctx context.Context, uid string, limit, offset int) ([]store.Binding, error)
	Device(ctx context.Context, did string) (store.Device, error)

	WriteAttrs(ctx context.Context, t core.Target, attrs map[string]any) error
	ReadAttrs(ctx context.Context, t core.Target, names []string) error
	SendRaw(ctx context.Context, t core.Target, frame []byte) error
	AckDevice(ctx context.Context, t core.Target) error

	Bus() bus.Bus
	Presence() core.Presence
}

var _ Core = (*core.Node)(nil)
