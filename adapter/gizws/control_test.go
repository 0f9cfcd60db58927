package gizws_test

import (
	"context"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/devsim"
)

// nextDown returns the next frame the core sent to the device.
func nextDown(t *testing.T, ch <-chan core.Downlink) (core.Downlink, p0.Frame) {
	t.Helper()
	select {
	case d := <-ch:
		f, err := p0.Decode(d.Frame)
		if err != nil {
			t.Fatalf("downlink %x: %v", d.Frame, err)
		}
		return d, f
	case <-time.After(waitFor):
		t.Fatal("no downlink")
	}
	return core.Downlink{}, p0.Frame{}
}

func attrsOf(t *testing.T, m msg) map[string]any {
	t.Helper()
	var a map[string]any
	m.field(t, "attrs", &a)
	return a
}

// TestWrite: c2s_write without req_sn is a 0x0090 and the change comes back
// as a plain s2c_noti; with req_sn it is a 0x0093 whose empty 0x0094 comes
// back as s2c_ack to the writer only.
func TestWrite(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	down := f.downlinks(t, dev.DID())
	a, _ := f.session(t, "attrs_v4", dev)
	b, _ := f.session(t, "attrs_v4", dev)

	a.send("c2s_write", map[string]any{"did": dev.DID(), "attrs": map[string]any{"LED_OnOff": true, "LED_R": 77}})
	dl, fr := nextDown(t, down)
	if fr.Cmd != p0.CmdAppToDevice || dl.ClientID == "" || len(dl.ClientID) > core.MaxClientIDLen {
		t.Fatalf("downlink cmd %#04x client %q", fr.Cmd, dl.ClientID)
	}
	for _, c := range []*client{a, b} {
		m := c.expect("s2c_noti")
		if m.ReqSN != nil || m.ResSN != nil {
			t.Fatalf("plain report carries an sn: %s", m)
		}
		if at := attrsOf(t, m); at["LED_OnOff"] != true || at["LED_R"] != 77.0 {
			t.Fatalf("attrs %v", at)
		}
	}

	a.send("c2s_write", map[string]any{"did": dev.DID(), "attrs": map[string]any{"Motor_Speed": -3}}, "req_sn", 7)
	dl2, fr := nextDown(t, down)
	if fr.Cmd != p0.CmdWithSN || fr.SN != 7 || dl2.ClientID != dl.ClientID {
		t.Fatalf("downlink cmd %#04x sn %d client %q", fr.Cmd, fr.SN, dl2.ClientID)
	}
	ack := a.expect("s2c_ack")
	if ack.ResSN == nil || *ack.ResSN != 7 || ack.DID != dev.DID() {
		t.Fatalf("ack %s", ack)
	}
	if m := a.expect("s2c_noti"); attrsOf(t, m)["Motor_Speed"] != -3.0 || m.ResSN != nil || m.ReqSN != nil {
		t.Fatalf("report %s", m)
	}
	// b sees the report but not a's ack (the ack was dispatched first).
	if m := b.expect("s2c_noti"); attrsOf(t, m)["Motor_Speed"] != -3.0 {
		t.Fatalf("report %s", m)
	}
	a.ensureQuiet()
	b.ensureQuiet()
}

// TestRead: c2s_read without req_sn is answered by a broadcast 0x0091 (every
// session); with req_sn by a 0x0094 that reaches the asking session only,
// as s2c_noti with res_sn. Var_len reads ask for the named datapoints.
func TestRead(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for _, tc := range []struct {
		name  string
		start func(testing.TB) *devsim.Device
		names []string
		want  []string
	}{
		{"fixed", f.lamp, nil, []string{"LED_OnOff", "Temperature", "Fault_LED"}},
		{"varlen", f.fan, []string{"Speed", "Mode"}, []string{"Speed", "Mode"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dev := tc.start(t)
			down := f.downlinks(t, dev.DID())
			a, _ := f.session(t, "attrs_v4", dev)
			b, _ := f.session(t, "attrs_v4", dev)

			data := map[string]any{"did": dev.DID()}
			if tc.names != nil {
				data["names"] = tc.names
			}
			a.send("c2s_read", data)
			if _, fr := nextDown(t, down); fr.Cmd != p0.CmdAppToDevice {
				t.Fatalf("read cmd %#04x", fr.Cmd)
			}
			for _, c := range []*client{a, b} {
				m := c.expect("s2c_noti")
				if m.ResSN != nil || m.ReqSN != nil {
					t.Fatalf("broadcast reply with sn: %s", m)
				}
			}

			a.send("c2s_read", data, "req_sn", 9)
			if _, fr := nextDown(t, down); fr.Cmd != p0.CmdWithSN || fr.SN != 9 {
				t.Fatalf("read cmd %#04x sn %d", fr.Cmd, fr.SN)
			}
			m := a.expect("s2c_noti")
			if m.ResSN == nil || *m.ResSN != 9 || m.ReqSN != nil {
				t.Fatalf("reply %s", m)
			}
			at := attrsOf(t, m)
			for _, k := range tc.want {
				if _, ok := at[k]; !ok {
					t.Errorf("reply lacks %s: %s", k, m)
				}
			}
			if tc.names != nil && len(at) != len(tc.names) {
				t.Errorf("var_len reply has %d datapoints, want %d: %s", len(at), len(tc.names), m)
			}
			// b: the next thing it sees is a later broadcast, not a's reply.
			if err := dev.Report(); err != nil {
				t.Fatal(err)
			}
			if m := b.expect("s2c_noti"); m.ResSN != nil {
				t.Fatalf("b got a's reply: %s", m)
			}
			a.expect("s2c_noti")
		})
	}
}

// TestCustomRefusesDatapoints: read, write and ack are attrs_v4 commands.
func TestCustomRefusesDatapoints(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	c, _ := f.session(t, "custom", dev)
	c.send("c2s_read", map[string]any{"did": dev.DID()})
	if m := c.expectInvalid(1005); m.str(t, "did") != dev.DID() {
		t.Fatalf("no did: %s", m)
	}
	c.send("c2s_write", map[string]any{"did": dev.DID(), "attrs": map[string]any{"LED_OnOff": true}}, "req_sn", 1)
	c.expectInvalid(1005)
	c.send("c2s_ack", nil, "did", dev.DID(), "res_sn", 1)
	c.expectInvalid(1005)
	c.ensureQuiet()
}

// TestRaw: c2s_raw reaches the device (devsim echoes transparent data
// 0x05 as 0x06) and the echo comes back as s2c_raw under both p0 types;
// custom sessions get reports as s2c_raw too.
func TestRaw(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	dev := f.lamp(t)
	attrs, _ := f.session(t, "attrs_v4", dev)
	custom, _ := f.session(t, "custom", dev)
	frame := []int{0, 0, 0, 3, 7, 0, 0, 0x90, 0x05, 1, 2, 3}
	want := []int{0, 0, 0, 3, 7, 0, 0, 0x91, 0x06, 1, 2, 3}
	for _, sender := range []*client{attrs, custom} {
		sender.send("c2s_raw", map[string]any{"did": dev.DID(), "raw": frame})
		for _, c := range []*client{attrs, custom} {
			for {
				// The device's own report (on connect) may race the test:
				// s2c_noti under attrs_v4, a 0x04 report frame under custom.
				m := c.expect("s2c_raw", "s2c_noti")
				var raw []int
				m.field(t, "raw", &raw)
				if len(raw) > 8 && raw[8] == 0x04 {
					continue
				}
				if m.str(t, "did") != dev.DID() || !equalInts(raw, want) {
					t.Fatalf("s2c_raw %s, want raw %v", m, want)
				}
				break
			}
		}
	}
	if err := dev.Report(); err != nil {
		t.Fatal(err)
	}
	attrs.expect("s2c_noti")
	m := custom.expect("s2c_raw")
	var raw []int
	m.field(t, "raw", &raw)
	if len(raw) < 10 || raw[7] != 0x91 || raw[8] != int(datapoint.ActionReport) {
		t.Fatalf("custom report %s", m)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// mqttDevice is a device driven by hand over MQTT, to send what devsim
// does not (a 0x0093 report) and see what the server sends.
type mqttDevice struct {
	did  string
	c    paho.Client
	recv chan paho.Message
}

func (f *fixture) mqttDevice(t testing.TB, uid string) *mqttDevice {
	return f.mqttDeviceOf(t, f.lampKey, uid)
}

// mqttDeviceOf registers a device of the product, binds it to uid and
// connects it as the device (passcode HANDPASS01).
func (f *fixture) mqttDeviceOf(t testing.TB, productKey, uid string) *mqttDevice {
	t.Helper()
	d, err := f.srv.Admin.RegisterDevice(context.Background(), productKey, f.mac(), "HANDPASS01")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.node().BindDevice(context.Background(), uid, d.DID, d.Passcode, bindOpts); err != nil {
		t.Fatal(err)
	}
	opts := paho.NewClientOptions().AddBroker("tcp://" + f.srv.MQTTAddr).
		SetClientID(d.DID).SetUsername(d.DID).SetPassword(d.Passcode).
		SetProtocolVersion(4).SetAutoReconnect(false).SetConnectRetry(false)
	c := paho.NewClient(opts)
	if tok := c.Connect(); !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		t.Fatalf("connect: %v", tok.Error())
	}
	t.Cleanup(func() { c.Disconnect(0) })
	md := &mqttDevice{did: d.DID, c: c, recv: make(chan paho.Message, 16)}
	if tok := c.Subscribe("app2dev/"+d.DID+"/#", 0, func(_ paho.Client, m paho.Message) { md.recv <- m }); !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		t.Fatalf("subscribe: %v", tok.Error())
	}
	return md
}

func (d *mqttDevice) publish(t testing.TB, frame []byte) {
	t.Helper()
	if tok := d.c.Publish("dev2app/"+d.did, 0, false, frame); !tok.WaitTimeout(waitFor) || tok.Error() != nil {
		t.Fatalf("publish: %v", tok.Error())
	}
}

// reportWithSN is a lamp report sent as a 0x0093 that wants an ack.
func reportWithSN(t *testing.T, schema *datapoint.Schema, sn uint32) []byte {
	t.Helper()
	m := schema.NewMessage(datapoint.ActionReport)
	for i := range m.Present {
		m.Present[i] = true
	}
	if err := schema.Set(m, "LED_OnOff", true); err != nil {
		t.Fatal(err)
	}
	payload, err := schema.Append(nil, m)
	if err != nil {
		t.Fatal(err)
	}
	return p0.Append(nil, p0.Frame{Cmd: p0.CmdWithSN, SN: sn, Payload: payload})
}

// TestDeviceReportWithSN: a device's 0x0093 reaches attrs_v4 sessions as
// s2c_noti with req_sn (custom ones as s2c_raw); c2s_ack sends the device
// a 0x0094 with that sn on app2dev/<did>/<clientid>.
func TestDeviceReportWithSN(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	uid, token := f.user(t)
	dev := f.mqttDevice(t, uid)
	c := f.dial(t)
	c.login(f.appID, uid, token, loginOpts{})
	c.subscribe(dev.did)
	c.expect("s2c_online_status")
	uid2, token2 := f.user(t)
	if _, err := f.node().BindDevice(context.Background(), uid2, dev.did, "HANDPASS01", bindOpts); err != nil {
		t.Fatal(err)
	}
	raw := f.dial(t)
	raw.login(f.appID, uid2, token2, loginOpts{p0: "custom"})
	raw.subscribe(dev.did)
	raw.expect("s2c_online_status")

	frame := reportWithSN(t, f.lampSchema, 77)
	dev.publish(t, frame)
	m := c.expect("s2c_noti")
	if m.ReqSN == nil || *m.ReqSN != 77 || m.ResSN != nil || attrsOf(t, m)["LED_OnOff"] != true {
		t.Fatalf("noti %s", m)
	}
	rm := raw.expect("s2c_raw")
	var got []byte
	var ints []int
	rm.field(t, "raw", &ints)
	for _, v := range ints {
		got = append(got, byte(v))
	}
	if string(got) != string(frame) {
		t.Fatalf("custom raw %v, want %v", got, frame)
	}

	c.send("c2s_ack", nil, "did", dev.did, "res_sn", 77)
	select {
	case pm := <-dev.recv:
		fr, err := p0.Decode(pm.Payload())
		if err != nil || fr.Cmd != p0.CmdAckSN || fr.SN != 77 || len(fr.Payload) != 0 {
			t.Fatalf("device got %x on %s (%v)", pm.Payload(), pm.Topic(), err)
		}
		if len(pm.Topic()) <= len("app2dev/"+dev.did+"/") {
			t.Fatalf("topic %s has no client id", pm.Topic())
		}
	case <-time.After(waitFor):
		t.Fatal("device got no 0x0094")
	}
	c.ensureQuiet()
}
