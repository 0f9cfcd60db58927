package core_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
)

// decodeDown decodes a downlink's frame and its datapoint message.
func (w *lampWorld) decodeDown(t *testing.T, d core.Downlink) (p0.Frame, *datapoint.Message) {
	t.Helper()
	f, err := p0.Decode(d.Frame)
	if err != nil {
		t.Fatalf("downlink frame: %v", err)
	}
	if len(f.Payload) == 0 {
		return f, nil
	}
	msg := w.schema.NewMessage(f.Payload[0])
	if err := w.schema.Decode(f.Payload, msg); err != nil {
		t.Fatalf("downlink payload: %v", err)
	}
	return f, msg
}

// A write reaches the device's down subject as 0x0090 without an sn and as
// 0x0093 with the app's sn, addressed to the app's client; an ack answers
// a device's sn with an empty 0x0094.
func TestDownlinkFramesAndSerialNumbers(t *testing.T) {
	n, st := newNode(t, time.Hour)
	w := newLampWorld(t, n, st, "demo-fan-varlen.json")
	down := watch[core.Downlink](t, n, core.SubjectDown(w.dev.DID))
	ctx := context.Background()

	if err := n.WriteAttrs(ctx, core.Target{DID: w.dev.DID, ClientID: "app-1"}, map[string]any{"Speed": 30}); err != nil {
		t.Fatal(err)
	}
	d := receive(t, down)
	f, msg := w.decodeDown(t, d)
	if d.DID != w.dev.DID || d.ClientID != "app-1" || f.Cmd != p0.CmdAppToDevice {
		t.Fatalf("write = %+v (cmd %#x), want 0x0090 to app-1", d, f.Cmd)
	}
	i, _ := w.schema.Lookup("Speed")
	if msg.Action != datapoint.ActionVarWrite || !msg.Present[i] {
		t.Fatalf("write message = %+v, want a var_len write of Speed", msg)
	}

	for _, sn := range []uint32{7, 8} {
		if err := n.WriteAttrs(ctx, core.Target{DID: w.dev.DID, ClientID: "app-1", SN: sn, WithSN: true}, map[string]any{"Power": true}); err != nil {
			t.Fatal(err)
		}
		if f, _ := w.decodeDown(t, receive(t, down)); f.Cmd != p0.CmdWithSN || f.SN != sn {
			t.Fatalf("write with sn %d = cmd %#x sn %d, want 0x0093 with that sn", sn, f.Cmd, f.SN)
		}
	}

	if err := n.AckDevice(ctx, core.Target{DID: w.dev.DID, ClientID: "app-1", SN: 99}); err != nil {
		t.Fatal(err)
	}
	if f, msg := w.decodeDown(t, receive(t, down)); f.Cmd != p0.CmdAckSN || f.SN != 99 || msg != nil {
		t.Fatalf("ack = cmd %#x sn %d payload %v, want an empty 0x0094 with sn 99", f.Cmd, f.SN, msg)
	}

	if err := n.ReadAttrs(ctx, core.Target{DID: w.dev.DID, ClientID: "app-1"}, []string{"Timer"}); err != nil {
		t.Fatal(err)
	}
	j, _ := w.schema.Lookup("Timer")
	if _, msg := w.decodeDown(t, receive(t, down)); msg.Action != datapoint.ActionVarRead || !msg.Present[j] || msg.Present[i] {
		t.Fatalf("read = %+v, want a var_len read of Timer only", msg)
	}
}

// A command reaches only a device that exists, is enabled and online, from
// a valid client id, with values the schema accepts; a refused command
// publishes nothing.
func TestDownlinkRefusals(t *testing.T) {
	n, st := newNode(t, time.Hour)
	w := newLampWorld(t, n, st, "demo-fan-varlen.json")
	down := watch[core.Downlink](t, n, "sb.dev.*.down")
	ctx := context.Background()
	write := func(target core.Target, attrs map[string]any) error {
		return n.WriteAttrs(ctx, target, attrs)
	}
	ok := core.Target{DID: w.dev.DID, ClientID: "app-1"}
	cases := []struct {
		name string
		err  error
	}{
		{"unknown device", write(core.Target{DID: core.NewDID(), ClientID: "app-1"}, map[string]any{"Power": true})},
		{"client id with a slash", write(core.Target{DID: w.dev.DID, ClientID: "a/b"}, map[string]any{"Power": true})},
		{"unknown datapoint", write(ok, map[string]any{"Nope": 1})},
		{"value out of range", write(ok, map[string]any{"Speed": 1000})},
		{"read-only datapoint", write(ok, map[string]any{"Running": true})},
		{"nothing to write", write(ok, map[string]any{})},
	}
	want := []error{core.ErrDeviceNotFound, core.ErrInvalidInput, nil, core.ErrInvalidInput, core.ErrInvalidInput, core.ErrInvalidInput}
	for i, c := range cases {
		if c.err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		if want[i] != nil && !errors.Is(c.err, want[i]) {
			t.Errorf("%s: error %v, want %v", c.name, c.err, want[i])
		}
		// Input errors say which field and why, for the app's message.
		if want[i] != core.ErrDeviceNotFound && core.Detail(c.err) == "" {
			t.Errorf("%s: error %v has no client detail", c.name, c.err)
		}
	}

	if err := n.SetDeviceDisabled(ctx, w.dev.DID, true); err != nil {
		t.Fatal(err)
	}
	if err := write(ok, map[string]any{"Power": true}); !errors.Is(err, core.ErrDeviceDisabled) {
		t.Errorf("disabled device: error %v, want ErrDeviceDisabled", err)
	}
	if err := n.SetDeviceDisabled(ctx, w.dev.DID, false); err != nil {
		t.Fatal(err)
	}
	if err := n.DeviceOffline(ctx, w.dev, w.owner); err != nil {
		t.Fatal(err)
	}
	if err := write(ok, map[string]any{"Power": true}); !errors.Is(err, core.ErrDeviceOffline) {
		t.Errorf("offline device: error %v, want ErrDeviceOffline", err)
	}
	select {
	case d := <-down:
		t.Fatalf("a refused command was published: %+v", d)
	case <-time.After(100 * time.Millisecond):
	}
}
