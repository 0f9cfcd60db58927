package mqttgw_test

import (
	"bufio"
	"errors"
	"net"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/eclipse/paho.mqtt.golang/packets"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

func timeAfter10s() <-chan time.Time { return time.After(10 * time.Second) }

func TestTakeoverKeepsDeviceOnline(t *testing.T) {
	f := newFixture(t)
	status := events(t, f.srv, core.SubjectStatus(f.dev.DID))
	lost := make(chan error, 1)
	first := paho.NewClient(f.clientOpts(f.dev.DID, f.dev.DID, f.dev.Passcode, 3).
		SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err }))
	if err := waitToken(first.Connect()); err != nil {
		t.Fatal(err)
	}
	defer first.Disconnect(0)
	if ev := next(t, status); ev.Kind != core.EventOnline {
		t.Fatalf("first status = %s, want online", ev.Kind)
	}

	second := f.connect(t, f.dev, 3)
	select {
	case <-lost:
	case <-timeAfter10s():
		t.Fatal("the first session was not closed by the takeover")
	}
	// A takeover is not a change of the online state: no event at all
	// (checked below, once the old session's end is processed).
	// The old session's end is processed; the device must still be online
	// and the new session must still work.
	testserver.Eventually(t, 10*time.Second, func() error {
		if !f.srv.Log.Contains("device disconnected", "taken_over=true") {
			return errors.New("the old session's disconnect is not processed yet")
		}
		return nil
	})
	f.srv.WaitOnline(t, f.dev.DID, true)
	if !second.IsConnectionOpen() {
		t.Fatal("the new session was closed")
	}
	select {
	case ev := <-status:
		t.Fatalf("unexpected status event after takeover: %s", ev.Kind)
	default:
	}
	second.Disconnect(0)
	if ev := next(t, status); ev.Kind != core.EventOffline {
		t.Fatalf("status after the last disconnect = %s, want offline", ev.Kind)
	}
}

// TestKeepaliveExpiry speaks MQTT by hand (paho's packet codec over a raw
// socket) so the device can stop pinging: with keepalive 1 s the server
// must drop it after 1.5 s of silence and mark it offline.
func TestKeepaliveExpiry(t *testing.T) {
	f := newFixture(t)
	conn, r := rawConnect(t, f, "MQIsdp", 3, 1)
	// Silence. The server closes the socket: the read ends with an error.
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := packets.ReadPacket(r); err == nil {
		t.Fatal("server sent a packet instead of closing")
	}
	f.srv.WaitOnline(t, f.dev.DID, false)
	// It was the keepalive deadline that ended the session (mochi arms the
	// socket's read deadline with 1.5 x keepalive), not anything else.
	if !f.srv.Log.Contains("device disconnected", f.dev.DID, "i/o timeout") {
		t.Fatalf("the session did not end on its keepalive deadline; log:\n%s", f.srv.Log.String())
	}
}

// A keepalive of 0 would let a dead device look online forever; the
// gateway replaces it with --mqtt-max-keepalive (1 s here).
func TestMaxKeepaliveReplacesZero(t *testing.T) {
	f := newFixture(t, func(c *server.Config) { c.MQTTLimits.MaxKeepalive = 1 })
	conn, r := rawConnect(t, f, "MQTT", 4, 0)
	_ = conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := packets.ReadPacket(r); err == nil {
		t.Fatal("server sent a packet instead of closing")
	}
	f.srv.WaitOnline(t, f.dev.DID, false)
}

// rawConnect logs the fixture's device in by hand (paho's packet codec over
// a plain socket), so the test controls every byte the device sends after.
func rawConnect(t *testing.T, f *fixture, protocol string, version byte, keepalive uint16) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.Dial("tcp", f.srv.MQTTAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	cp := packets.NewControlPacket(packets.Connect).(*packets.ConnectPacket)
	cp.ProtocolName, cp.ProtocolVersion = protocol, version
	cp.CleanSession, cp.Keepalive = true, keepalive
	cp.ClientIdentifier = f.dev.DID
	cp.UsernameFlag, cp.Username = true, f.dev.DID
	cp.PasswordFlag, cp.Password = true, []byte(f.dev.Passcode)
	if err := cp.Write(conn); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	ack, err := packets.ReadPacket(r)
	if err != nil {
		t.Fatal(err)
	}
	if ca, ok := ack.(*packets.ConnackPacket); !ok || ca.ReturnCode != 0 {
		t.Fatalf("CONNACK = %v", ack)
	}
	f.srv.WaitOnline(t, f.dev.DID, true)
	return conn, r
}
