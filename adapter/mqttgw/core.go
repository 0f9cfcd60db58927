package mqttgw

import (
	"context"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// Core is what the gateway uses of the node: device authentication, the
// session's online and offline transitions, uplink with its group commit,
// the count of app sessions watching a device (cli2ser_req 0x020F), and the
// bus its downlinks arrive on. *core.Node satisfies it.
type Core interface {
	AuthenticateDevice(ctx context.Context, did, passcode string) (store.Device, error)
	DeviceOnline(ctx context.Context, d store.Device) (store.SessionOwner, error)
	DeviceOffline(ctx context.Context, d store.Device, owner store.SessionOwner) error
	DeviceUplink(ctx context.Context, d store.Device, clientID string, frame []byte) error
	WaitStored(ctx context.Context) error
	AppSessions(did string) int
	Bus() bus.Bus
}

var _ Core = (*core.Node)(nil)
