package netfault_test

import (
	"context"
	"net"
	"syscall"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/server"
)

// TestMQTTDeviceNotReading: a device that subscribes and then never reads
// is disconnected, with a logged reason, once its outbound queue is full;
// it goes offline, and another device keeps getting its downlinks. The
// stalled device has a 4 KiB receive buffer and the downlinks are 32 KiB,
// so the kernel's buffers fill after a few hundred, not millions.
func TestMQTTDeviceNotReading(t *testing.T) {
	t.Parallel()
	f := newLampFixture(t, func(c *server.Config) { c.MQTTLimits.WritesPending = 8 })
	slowDev := f.device(t, "aa0000000003")
	okDev := f.device(t, "aa0000000004")

	got := make(chan []byte, 16)
	if _, err := connectDevice(t, f.srv.MQTTAddr, okDev, func(_ paho.Client, m paho.Message) { got <- m.Payload() }); err != nil {
		t.Fatal(err)
	}
	dialer := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) {
			syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
	}}
	slow, err := dialer.Dial("tcp", f.srv.MQTTAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	slow.Write(mqttConnect(slowDev.DID, slowDev.Passcode))
	if ack := readN(t, slow, 4); ack[0] != 0x20 || ack[3] != 0 {
		t.Fatalf("CONNACK %x", ack)
	}
	slow.Write(mqttSubscribe("app2dev/" + slowDev.DID + "/#"))
	if ack := readN(t, slow, 5); ack[0] != 0x90 || ack[4] != 0 {
		t.Fatalf("SUBACK %x", ack)
	}
	f.srv.WaitOnline(t, slowDev.DID, true)

	// From here on the slow device reads nothing.
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: make([]byte, 32<<10)})
	ctx := context.Background()
	node := f.srv.Node()
	sent := 0
	start := time.Now()
	for !f.srv.Log.Contains("disconnecting device that does not read", slowDev.DID) {
		if sent >= 5000 {
			t.Fatalf("device still connected after %d downlinks of 32 KiB", sent)
		}
		if err := node.SendRaw(ctx, core.Target{DID: slowDev.DID, ClientID: "usrfault"}, frame); err != nil {
			break // offline already: the log line is checked below
		}
		sent++
		if sent%50 == 0 { // the healthy device is served meanwhile
			sendAndReceive(t, node, okDev.DID, got)
		}
	}
	t.Logf("device not reading disconnected after %d downlinks (%v)", sent, time.Since(start))
	if !f.srv.Log.Contains("disconnecting device that does not read", slowDev.DID, "outbound queue full") {
		t.Fatal("no log line with the reason")
	}
	f.srv.WaitOnline(t, slowDev.DID, false)
	waitClosed(t, slow, closeWithin) // reads what the kernel buffered, then EOF
	if n := f.srv.Metric(t, `switchboard_queue_drops_total{adapter="mqtt"}`); n < 1 {
		t.Fatalf("queue drops %v", n)
	}
	sendAndReceive(t, node, okDev.DID, got)
	f.srv.WaitOnline(t, okDev.DID, true)
}

// sendAndReceive sends a small downlink to did and waits for it.
func sendAndReceive(t *testing.T, node *core.Node, did string, got <-chan []byte) {
	t.Helper()
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x02}})
	if err := node.SendRaw(context.Background(), core.Target{DID: did, ClientID: "usrfault"}, frame); err != nil {
		t.Fatal(err)
	}
	select {
	case b := <-got:
		if string(b) != string(frame) {
			t.Fatalf("healthy device got %x, want %x", b, frame)
		}
	case <-time.After(closeWithin):
		t.Fatalf("healthy device got no downlink within %v", closeWithin)
	}
}
