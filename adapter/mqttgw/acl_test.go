package mqttgw_test

import (
	"testing"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
)

// report is a valid demo-lamp 0x0091 report frame.
func report(temperatureRaw byte) []byte {
	payload := []byte{0x04, 0x01, 100, 0, 5, 0x01, temperatureRaw, 40, 0, 0}
	return p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: payload})
}

func TestSubscribeACL(t *testing.T) {
	f := newFixture(t)
	other := f.register(t, "a0b1c2d3e4f6")
	c := f.connect(t, f.dev, 4)
	did, pk := f.dev.DID, f.product.ProductKey
	cases := []struct {
		filter string
		ok     bool
	}{
		{"ser2cli_noti/" + pk, true},
		{"ser2cli_res/" + did, true},
		{"app2dev/" + did + "/#", true},
		{"app2dev/" + did + "/+", true},
		{"app2dev/" + did + "/usr123", true},
		{"app2dev/" + other.DID + "/#", false},
		{"ser2cli_res/" + other.DID, false},
		{"ser2cli_noti/ffffffffffffffffffffffffffffffff", false},
		{"dev2app/" + did, false},
		{"dev2app/#", false},
		{"app2dev/#", false},
		{"#", false},
		{"cli2ser_req", false},
		{"app2dev/" + did + "/a/b", false},
	}
	for _, tc := range cases {
		tok := c.Subscribe(tc.filter, 0, nil)
		if err := waitToken(tok); err != nil {
			t.Fatalf("subscribe %q: %v", tc.filter, err)
		}
		granted := tok.(*paho.SubscribeToken).Result()[tc.filter]
		if tc.ok && granted != 0 {
			t.Errorf("subscribe %q: granted %#x, want QoS 0", tc.filter, granted)
		}
		if !tc.ok && granted != 0x80 {
			t.Errorf("subscribe %q: granted %#x, want failure 0x80", tc.filter, granted)
		}
	}
	if !c.IsConnectionOpen() {
		t.Fatal("refused subscriptions must not close the session")
	}
}

func TestPublishACL(t *testing.T) {
	f := newFixture(t)
	other := f.register(t, "a0b1c2d3e4f6")
	mine := events(t, f.srv, core.SubjectData(f.dev.DID))
	theirs := events(t, f.srv, core.SubjectData(other.DID))
	c := f.connect(t, f.dev, 4)

	// Forbidden QoS 0 publishes are dropped and the session stays: another
	// device's uplink, downlink topics, and made-up topics.
	for _, topic := range []string{
		"dev2app/" + other.DID,
		"dev2app/" + other.DID + "/usr1",
		"app2dev/" + f.dev.DID + "/usr1",
		"dev2app/" + f.dev.DID + "/a/b",
		"ser2cli_res/" + f.dev.DID,
		"anything",
	} {
		if err := waitToken(c.Publish(topic, 0, false, report(60))); err != nil {
			t.Fatal(err)
		}
	}
	// Then an allowed one. Frames of one connection are handled in order,
	// so if any forbidden one had passed it would have arrived first.
	if err := waitToken(c.Publish("dev2app/"+f.dev.DID, 0, false, report(61))); err != nil {
		t.Fatal(err)
	}
	ev := next(t, mine)
	if ev.Kind != core.EventReport || string(ev.Attrs) == "" || ev.Raw[len(ev.Raw)-4] != 61 {
		t.Fatalf("first event on own subject = %+v, want the allowed report (temperature raw 61)", ev)
	}
	select {
	case ev := <-theirs:
		t.Fatalf("a device published as another device: %+v", ev)
	default:
	}
	if !c.IsConnectionOpen() {
		t.Fatal("a refused QoS 0 publish must not close the session")
	}
	if !f.srv.Log.Contains("device refused by ACL", "dev2app/"+other.DID) {
		t.Error("ACL refusals are not logged")
	}
}

// An MQTT 3.1.1 device cannot be told a QoS 1 publish was refused (there is
// no negative PUBACK), so the gateway closes its session, as MQTT intends;
// also for $SYS topics, which mochi alone dropped without any answer.
func TestPublishACLQoS1ClosesSession(t *testing.T) {
	f := newFixture(t)
	other := f.register(t, "a0b1c2d3e4f6")
	for _, topic := range []string{"dev2app/" + other.DID, "$SYS/x"} {
		lost := make(chan error, 1)
		opts := f.clientOpts(f.dev.DID, f.dev.DID, f.dev.Passcode, 4).
			SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err })
		c := paho.NewClient(opts)
		if err := waitToken(c.Connect()); err != nil {
			t.Fatal(err)
		}
		c.Publish(topic, 1, false, report(60))
		select {
		case <-lost:
		case <-timeAfter10s():
			t.Fatalf("%s: session not closed after a forbidden QoS 1 publish", topic)
		}
		c.Disconnect(0)
		f.srv.WaitOnline(t, f.dev.DID, false)
	}
}
