package mqttgw_test

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"
	"github.com/mochi-mqtt/server/v2/packets"

	"github.com/switchboard-iot/switchboard/adapter/mqttgw"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

// paho, as a 3.1.1 device would use it: a will on another device's
// downlink topic is refused at CONNECT with 0x05, and the victim receives
// nothing when the attacker's socket then goes away.
func TestPahoWillRefused(t *testing.T) {
	f := newFixture(t)
	victim := f.register(t, "a0b1c2d3e4f6")
	got := make(chan paho.Message, 4)
	vc := f.connect(t, victim, 4)
	if err := waitToken(vc.Subscribe("app2dev/"+victim.DID+"/#", 0, func(_ paho.Client, m paho.Message) { got <- m })); err != nil {
		t.Fatal(err)
	}
	write := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x01, 0x01, 0x01, 0, 0, 0, 0, 0}})
	opts := f.clientOpts(f.dev.DID, f.dev.DID, f.dev.Passcode, 4).
		SetBinaryWill("app2dev/"+victim.DID+"/usr1", write, 1, false)
	c := paho.NewClient(opts)
	tok := c.Connect()
	if err := waitToken(tok); err == nil {
		c.Disconnect(0)
		t.Fatal("a CONNECT with a will was accepted")
	}
	if code, want := tok.(*paho.ConnectToken).ReturnCode(), mqttgw.Expect("connect-will", 4).Codes[0]; code != want {
		t.Fatalf("CONNACK %#x, want %#x", code, want)
	}
	// Marker: the next thing the victim gets must be this downlink.
	mark := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x02}})
	if err := f.srv.Node().SendRaw(context.Background(), core.Target{DID: victim.DID, ClientID: "mark"}, mark); err != nil {
		t.Fatal(err)
	}
	select {
	case m := <-got:
		if m.Topic() != "app2dev/"+victim.DID+"/mark" {
			t.Fatalf("the victim received %s % x", m.Topic(), m.Payload())
		}
	case <-timeAfter10s():
		t.Fatal("no marker")
	}
	if !f.srv.Log.Contains("device refused: CONNECT with a will", "app2dev/"+victim.DID) {
		t.Error("the refused will is not logged")
	}
}

// paho, 3.1.1: a retained publish, even to the device's own uplink, closes
// the session (3.1.1 has no way to refuse one publish) and is not taken as
// a report.
func TestPahoRetainedPublishClosesSession(t *testing.T) {
	f := newFixture(t)
	evs := events(t, f.srv, core.SubjectData(f.dev.DID))
	lost := make(chan error, 1)
	c := paho.NewClient(f.clientOpts(f.dev.DID, f.dev.DID, f.dev.Passcode, 4).
		SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err }))
	if err := waitToken(c.Connect()); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(0)
	c.Publish("dev2app/"+f.dev.DID, 0, true, report(60))
	select {
	case <-lost:
	case <-timeAfter10s():
		t.Fatal("session not closed after a retained publish")
	}
	d := f.connect(t, f.dev, 4)
	if err := waitToken(d.Publish("dev2app/"+f.dev.DID, 0, false, report(61))); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, evs); ev.Raw[len(ev.Raw)-4] != 61 {
		t.Fatalf("first report = % x, want the unretained one (61)", ev.Raw)
	}
}

// Nothing the server publishes is kept for later subscribers: a device
// that subscribes after a downlink was sent gets nothing until the next.
func TestNoRetainedDownlinks(t *testing.T) {
	f := newFixture(t)
	sent := 0
	for _, v := range []byte{4, 5} {
		c := dialMQTT(t, f.srv.MQTTAddr, v)
		c.send(connectPacket(v, f.dev.DID, f.dev.DID, f.dev.Passcode))
		if err := c.expect(mqttgw.Expect("connect-accepted", v)); err != nil {
			t.Fatal(err)
		}
		// A downlink to the device while it has no subscription.
		first := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x02, v}})
		if err := f.srv.Node().SendRaw(context.Background(), core.Target{DID: f.dev.DID, ClientID: "usr1"}, first); err != nil {
			t.Fatal(err)
		}
		// Subscribe only once the gateway has published it.
		sent++
		waitDownlinks(t, f, sent)
		c.subscribe("app2dev/"+f.dev.DID+"/#", 0)
		if err := c.expect(mqttgw.Expect("subscribe-accepted", v)); err != nil {
			t.Fatal(err)
		}
		second := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x03, v}})
		if err := f.srv.Node().SendRaw(context.Background(), core.Target{DID: f.dev.DID, ClientID: "usr1"}, second); err != nil {
			t.Fatal(err)
		}
		sent++
		pk, err := c.read()
		if err != nil {
			t.Fatal(err)
		}
		if pk.FixedHeader.Type != packets.Publish || string(pk.Payload) != string(second) || pk.FixedHeader.Retain {
			t.Fatalf("v%d: first publish after subscribing = %q % x retain=%v, want the second downlink", v, pk.TopicName, pk.Payload, pk.FixedHeader.Retain)
		}
		c.close()
		f.srv.WaitOnline(t, f.dev.DID, false)
	}
}

// No session outlives its connection: a 3.1.1 device asking for a
// persistent session gets session present = 0 and must subscribe again; an
// MQTT 5 device is told its session expires at once. Only the device
// itself could resume one anyway (client id = username = did).
func TestSessionsAreNotResumed(t *testing.T) {
	f := newFixture(t)
	sent := 0
	for _, v := range []byte{4, 5} {
		for round := 0; round < 2; round++ {
			pk := connectPacket(v, f.dev.DID, f.dev.DID, f.dev.Passcode)
			pk.Connect.Clean = false
			if v == 5 {
				pk.Properties.SessionExpiryInterval, pk.Properties.SessionExpiryIntervalFlag = 3600, true
			}
			c := dialMQTT(t, f.srv.MQTTAddr, v)
			c.send(pk)
			ack, err := c.read()
			if err != nil || ack.FixedHeader.Type != packets.Connack || ack.ReasonCode != 0 {
				t.Fatalf("v%d: CONNACK %+v %v", v, ack, err)
			}
			if ack.SessionPresent {
				t.Fatalf("v%d round %d: session present", v, round)
			}
			if v == 5 && (!ack.Properties.SessionExpiryIntervalFlag || ack.Properties.SessionExpiryInterval != 0) {
				t.Fatalf("v5: CONNACK session expiry %v/%d, want 0", ack.Properties.SessionExpiryIntervalFlag, ack.Properties.SessionExpiryInterval)
			}
			if round == 0 {
				c.subscribe("app2dev/"+f.dev.DID+"/#", 0)
				if err := c.expect(mqttgw.Expect("subscribe-accepted", v)); err != nil {
					t.Fatal(err)
				}
				c.close()
				f.srv.WaitOnline(t, f.dev.DID, false)
				continue
			}
			// The first round's subscription is gone: a downlink finds no
			// subscriber, and the next packet is the PINGRESP.
			f.srv.WaitOnline(t, f.dev.DID, true)
			if err := f.srv.Node().SendRaw(context.Background(), core.Target{DID: f.dev.DID, ClientID: "usr1"}, p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x02}})); err != nil {
				t.Fatal(err)
			}
			sent++
			waitDownlinks(t, f, sent)
			if err := c.expect(mqttgw.Answer{}); err != nil {
				t.Fatalf("v%d: %v", v, err)
			}
			c.close()
			f.srv.WaitOnline(t, f.dev.DID, false)
		}
	}
}

// The DISCONNECT rows: a takeover, a device disabled while connected, and
// the server shutting down, each over 3.1.1 and 5.
func TestDisconnectReasons(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	login := func(v byte) *mqttConn {
		t.Helper()
		c := dialMQTT(t, f.srv.MQTTAddr, v)
		c.send(connectPacket(v, f.dev.DID, f.dev.DID, f.dev.Passcode))
		if err := c.expect(mqttgw.Expect("connect-accepted", v)); err != nil {
			t.Fatal(err)
		}
		return c
	}
	for _, v := range []byte{4, 5} {
		first := login(v)
		second := login(v)
		if err := first.expect(mqttgw.Expect("disconnect-taken-over", v)); err != nil {
			t.Errorf("v%d takeover: %v", v, err)
		}
		if _, err := f.srv.Admin.SetDeviceDisabled(ctx, f.dev.DID, true); err != nil {
			t.Fatal(err)
		}
		if err := second.expect(mqttgw.Expect("disconnect-control", v)); err != nil {
			t.Errorf("v%d disabled: %v", v, err)
		}
		if _, err := f.srv.Admin.SetDeviceDisabled(ctx, f.dev.DID, false); err != nil {
			t.Fatal(err)
		}
		f.srv.WaitOnline(t, f.dev.DID, false)
	}
	other := f.register(t, "a0b1c2d3e4f6")
	conns := map[byte]*mqttConn{}
	for _, v := range []byte{4, 5} {
		did, pass := f.dev.DID, f.dev.Passcode
		if v == 5 {
			did, pass = other.DID, other.Passcode
		}
		c := dialMQTT(t, f.srv.MQTTAddr, v)
		c.send(connectPacket(v, did, did, pass))
		if err := c.expect(mqttgw.Expect("connect-accepted", v)); err != nil {
			t.Fatal(err)
		}
		conns[v] = c
	}
	f.srv.Stop(t)
	for v, c := range conns {
		if err := c.expect(mqttgw.Expect("disconnect-shutdown", v)); err != nil {
			t.Errorf("v%d shutdown: %v", v, err)
		}
	}
}

// waitDownlinks waits until the gateway has published n downlinks.
func waitDownlinks(t *testing.T, f *fixture, n int) {
	t.Helper()
	testserver.Eventually(t, 10*time.Second, func() error {
		if got := f.srv.Metric(t, `switchboard_messages_total{adapter="mqtt",direction="out"}`); got < float64(n) {
			return errorf("%v downlinks published, want %d", got, n)
		}
		return nil
	})
}
