package mqttgw_test

import (
	"context"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
)

// TestReconnectKeepsDownlinks: a device whose connection drops and that
// reconnects at once must still receive commands on its new session.
// mochi cleans an ended session up by client id, after its OnDisconnect;
// unless the new session waits for that cleanup (takeover.go), the old
// session's cleanup can remove the new session's subscription and its
// place in mochi's client list, and the device looks online but receives
// nothing. Each round drops the socket and reconnects at once, then sends
// a read command that the new session must receive.
func TestReconnectKeepsDownlinks(t *testing.T) {
	f := newFixture(t)
	const rounds = 150
	for i := range rounds {
		c := dialMQTT(t, f.srv.MQTTAddr, 4)
		c.send(connectPacket(4, f.dev.DID, f.dev.DID, f.dev.Passcode))
		if pk, err := c.read(); err != nil || pk.FixedHeader.Type != packets.Connack || code(pk) != 0 {
			t.Fatalf("round %d: CONNACK: %v %v", i, pk.FixedHeader.Type, err)
		}
		c.subscribe("app2dev/"+f.dev.DID+"/#", 0)
		if pk, err := c.read(); err != nil || pk.FixedHeader.Type != packets.Suback {
			t.Fatalf("round %d: SUBACK: %v %v", i, pk.FixedHeader.Type, err)
		}
		if err := f.srv.Admin.Read(context.Background(), f.dev.DID); err != nil {
			t.Fatalf("round %d: read command: %v", i, err)
		}
		pk, err := c.read()
		if err != nil || pk.FixedHeader.Type != packets.Publish {
			t.Fatalf("round %d: the new session received no command: %v %v", i, pk.FixedHeader.Type, err)
		}
		c.close() // dropped, no DISCONNECT: the next round reconnects at once
	}
}
