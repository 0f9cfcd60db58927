package mqttgw_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

func TestUplinkReportDecodedStoredAndPublished(t *testing.T) {
	f := newFixture(t)
	evs := events(t, f.srv, core.SubjectData(f.dev.DID))
	c := f.connect(t, f.dev, 3)
	// LED on, colour purple (2), R=100, Motor x=5 (shown 0), Infrared on,
	// Temperature x=90 (0.5*90-20 = 25), Humidity 40, no alert, no fault.
	frame := p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: []byte{0x04, 0x05, 100, 0, 5, 0x01, 90, 40, 0, 0}})
	if err := waitToken(c.Publish("dev2app/"+f.dev.DID, 0, false, frame)); err != nil {
		t.Fatal(err)
	}
	ev := next(t, evs)
	want := map[string]any{
		"LED_OnOff": true, "LED_Color": "purple", "LED_R": 100.0, "Motor_Speed": 0.0,
		"Infrared": true, "Temperature": 25.0, "Humidity": 40.0, "Alert_Overheat": false, "Fault_LED": false,
	}
	var got map[string]any
	if err := json.Unmarshal(ev.Attrs, &got); err != nil {
		t.Fatal(err)
	}
	if ev.Kind != core.EventReport || ev.Cmd != p0.CmdDeviceToApp || !bytes.Equal(ev.Raw, frame) {
		t.Fatalf("event = %+v", ev)
	}
	assertAttrs(t, got, want)
	// The latest state is stored and served by the admin API.
	testserver.Eventually(t, 10*time.Second, func() error {
		d, err := f.srv.Admin.GetDevice(context.Background(), f.dev.DID)
		if err != nil {
			return err
		}
		var attrs map[string]any
		if err := json.Unmarshal(d.Attrs, &attrs); err != nil {
			return err
		}
		if attrs["Temperature"] != 25.0 || d.UpdatedAt == nil {
			return errorf("latest state = %s", d.Attrs)
		}
		return nil
	})
}

func TestLatestStateSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	f := newFixture(t, testserver.WithDataDir(dir))
	c := f.connect(t, f.dev, 3)
	if err := waitToken(c.Publish("dev2app/"+f.dev.DID, 0, false, report(100))); err != nil {
		t.Fatal(err)
	}
	testserver.Eventually(t, 10*time.Second, func() error {
		d, err := f.srv.Admin.GetDevice(context.Background(), f.dev.DID)
		var attrs map[string]any
		if err != nil || json.Unmarshal(d.Attrs, &attrs) != nil || attrs["Temperature"] != 30.0 {
			return errorf("report not applied yet: %v %s", err, d.Attrs)
		}
		return nil
	})
	f.srv.Stop(t)
	again := testserver.Start(t, testserver.WithDataDir(dir))
	d, err := again.Admin.GetDevice(context.Background(), f.dev.DID)
	if err != nil {
		t.Fatal(err)
	}
	var attrs map[string]any
	_ = json.Unmarshal(d.Attrs, &attrs)
	if attrs["Temperature"] != 30.0 || d.IsOnline {
		t.Fatalf("after restart: online=%v attrs=%s; want offline and Temperature 30", d.IsOnline, d.Attrs)
	}
}

func TestGarbageFramesKeepTheSession(t *testing.T) {
	f := newFixture(t)
	evs := events(t, f.srv, core.SubjectData(f.dev.DID))
	c := f.connect(t, f.dev, 4)
	before := f.srv.Metric(t, `switchboard_decode_errors_total{adapter="mqtt"}`)
	garbage := [][]byte{
		{},
		{0xff, 0xff, 0xff},
		{0, 0, 0, 4, 3, 0, 0, 0x91},             // wrong header
		{0, 0, 0, 3, 0x7f, 0, 0, 0x91, 4},       // truncated
		{0, 0, 0, 3, 0x80, 0x80, 0x80, 0x80, 1}, // 5-byte length
		append(report(1), 0xAA),                 // trailing byte
		{0, 0, 0, 3, 3, 0, 0, 0x91},             // 0x0091 with nothing in it
		{0, 0, 0, 3, 5, 0, 0, 0x91, 0x04, 0x01}, // report shorter than dev_status
		{0, 0, 0, 3, 5, 0, 0, 0x93, 0x00, 0x01}, // 0x0093 too short for its sn
	}
	for _, g := range garbage {
		if err := waitToken(c.Publish("dev2app/"+f.dev.DID, 0, false, g)); err != nil {
			t.Fatal(err)
		}
	}
	if err := waitToken(c.Publish("dev2app/"+f.dev.DID, 0, false, report(50))); err != nil {
		t.Fatal(err)
	}
	// Frames that are P0 but not datapoints arrive raw; the good report
	// arrives decoded; the session is intact.
	for {
		ev := next(t, evs)
		if ev.Kind == core.EventReport {
			break
		}
		if ev.Kind != core.EventRaw {
			t.Fatalf("unexpected event %+v", ev)
		}
	}
	if !c.IsConnectionOpen() {
		t.Fatal("garbage closed the session")
	}
	testserver.Eventually(t, 5*time.Second, func() error {
		if got := f.srv.Metric(t, `switchboard_decode_errors_total{adapter="mqtt"}`) - before; got < 6 {
			return errorf("decode errors counted = %v, want at least 6", got)
		}
		return nil
	})
}

func TestOversizePacketClosesOnlyThatSession(t *testing.T) {
	f := newFixture(t, func(c *server.Config) { c.MQTTLimits.MaxPacketSize = 2048 })
	other := f.register(t, "a0b1c2d3e4f6")
	lost := make(chan error, 1)
	c := paho.NewClient(f.clientOpts(f.dev.DID, f.dev.DID, f.dev.Passcode, 4).
		SetConnectionLostHandler(func(_ paho.Client, err error) { lost <- err }))
	if err := waitToken(c.Connect()); err != nil {
		t.Fatal(err)
	}
	defer c.Disconnect(0)
	bystander := f.connect(t, other, 4)
	big := p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: append([]byte{0x06}, make([]byte, 4096)...)})
	c.Publish("dev2app/"+f.dev.DID, 0, false, big)
	select {
	case <-lost:
	case <-timeAfter10s():
		t.Fatal("oversize packet did not close the session")
	}
	f.srv.WaitOnline(t, f.dev.DID, false)
	// The server and other sessions are unaffected.
	evs := events(t, f.srv, core.SubjectData(other.DID))
	if err := waitToken(bystander.Publish("dev2app/"+other.DID, 0, false, report(70))); err != nil {
		t.Fatal(err)
	}
	if ev := next(t, evs); ev.Kind != core.EventReport {
		t.Fatalf("bystander event = %+v", ev)
	}
	f.connect(t, f.dev, 4) // and the device can come back
	f.srv.WaitOnline(t, f.dev.DID, true)
}

func TestServerRequestAppCount(t *testing.T) {
	f := newFixture(t)
	c := f.connect(t, f.dev, 3)
	replies := make(chan []byte, 4)
	if err := waitToken(c.Subscribe("ser2cli_res/"+f.dev.DID, 0, func(_ paho.Client, m paho.Message) {
		replies <- m.Payload()
	})); err != nil {
		t.Fatal(err)
	}
	ask := func() []byte {
		t.Helper()
		if err := waitToken(c.Publish("cli2ser_req", 0, false, []byte{0, 0, 0, 3, 0x02, 0x0F})); err != nil {
			t.Fatal(err)
		}
		select {
		case r := <-replies:
			return r
		case <-timeAfter10s():
			t.Fatal("no ser2cli_res reply")
			return nil
		}
	}
	if got, want := ask(), []byte{0, 0, 0, 3, 0x02, 0x10, 0, 0}; !bytes.Equal(got, want) {
		t.Fatalf("reply with no apps = % x, want % x", got, want)
	}
	p := f.srv.Node().Presence()
	_ = p.Add(f.dev.DID, "ws-1")
	_ = p.Add(f.dev.DID, "ws-2")
	_ = p.Add(f.dev.DID, "ws-3")
	if got, want := ask(), []byte{0, 0, 0, 3, 0x02, 0x10, 0, 3}; !bytes.Equal(got, want) {
		t.Fatalf("reply with three apps = % x, want % x", got, want)
	}
}

func assertAttrs(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %#v, want %#v (all: %v)", k, got[k], v, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d datapoints, want %d: %v", len(got), len(want), got)
	}
}
