package mqttgw

import (
	"bytes"
	"errors"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
)

// errNotReading ends the session of a device whose outbound queue is full.
var errNotReading = errors.New("device not reading: outbound queue full")

// limitsHook enforces the connection limits that need mochi's callbacks.
// It is a hook of its own so the device hook stays about devices.
type limitsHook struct {
	mqtt.HookBase
	g *Gateway
}

func (h *limitsHook) ID() string { return "switchboard-limits" }

func (h *limitsHook) Provides(b byte) bool {
	return bytes.Contains([]byte{mqtt.OnConnect, mqtt.OnPublishDropped}, []byte{b})
}

// OnConnect records that the CONNECT arrived in time.
func (h *limitsHook) OnConnect(cl *mqtt.Client, _ packets.Packet) error {
	if pc, ok := cl.Net.Conn.(*pendingConn); ok {
		pc.connected.Store(true)
	}
	return nil
}

// OnPublishDropped disconnects a device whose outbound queue is full: it
// has not read WritesPending packets plus the kernel's socket buffers, so
// it is stuck or gone, and silently losing its commands while it looks
// online is worse than a reconnect (GAgent reconnects by itself and
// reports its state afresh). The drop is counted by the device hook.
func (h *limitsHook) OnPublishDropped(cl *mqtt.Client, _ packets.Packet) {
	if cl.Closed() {
		return
	}
	h.g.log.Warn("disconnecting device that does not read", "client", cl.ID, "remote", cl.Net.Remote,
		"reason", errNotReading.Error(), "writes_pending", h.g.limits.WritesPending)
	cl.Stop(errNotReading)
}
