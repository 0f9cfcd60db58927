package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
)

func subscribe(t *testing.T, srv *testserver.Server, subject string) <-chan core.DeviceEvent {
	t.Helper()
	ch := make(chan core.DeviceEvent, 256)
	sub, err := srv.Node().Bus().Subscribe(subject, func(_ string, data []byte) {
		if ev, err := core.DecodeDeviceEvent(data); err == nil {
			ch <- ev
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sub.Unsubscribe() })
	return ch
}

// await returns the first event that satisfies match.
func await(t *testing.T, ch <-chan core.DeviceEvent, match func(core.DeviceEvent) bool) core.DeviceEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev := <-ch:
			if match(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("expected event did not arrive within 10s")
		}
	}
}

func attrsOf(t *testing.T, ev core.DeviceEvent) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(ev.Attrs, &m); err != nil {
		t.Fatalf("attrs %q: %v", ev.Attrs, err)
	}
	return m
}

// TestRoundTrip drives a simulated device through the core for both a
// fixed-length and a var_len product: write, read without and with sn,
// raw passthrough, and the latest state.
func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		file      string
		write     map[string]any
		readNames []string
	}{
		{"demo-lamp.json", map[string]any{"LED_OnOff": true, "LED_Color": "pink", "Motor_Speed": -3.0}, nil},
		{"demo-fan-varlen.json", map[string]any{"Power": true, "Mode": "turbo", "Timer": 90.0}, []string{"Mode", "Temperature"}},
	} {
		t.Run(tc.file, func(t *testing.T) {
			ctx := context.Background()
			srv := testserver.Start(t)
			p, schema := srv.CreateProduct(t, tc.file)
			dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e0f")
			srv.WaitOnline(t, dev.DID(), true)
			evs := subscribe(t, srv, core.SubjectData(dev.DID()))
			node := srv.Node()

			// Write without sn: 0x0090 -> device applies -> 0x0091 report.
			if err := node.WriteAttrs(ctx, core.Target{DID: dev.DID(), ClientID: "usr1"}, tc.write); err != nil {
				t.Fatal(err)
			}
			// The first report with the written values (the device's
			// initial report may still be in flight).
			await(t, evs, func(ev core.DeviceEvent) bool {
				got := attrsOf(t, ev)
				for k, v := range tc.write {
					if ev.Kind != core.EventReport || got[k] != v {
						return false
					}
				}
				return true
			})
			for k, v := range tc.write {
				if dev.Values()[k] != v {
					t.Errorf("device value %s = %#v, want %#v", k, dev.Values()[k], v)
				}
			}

			var ev core.DeviceEvent
			// Read without sn: 0x0090 -> 0x0091 read reply.
			if err := node.ReadAttrs(ctx, core.Target{DID: dev.DID(), ClientID: "usr1"}, tc.readNames); err != nil {
				t.Fatal(err)
			}
			ev = await(t, evs, func(e core.DeviceEvent) bool { return e.Kind == core.EventReply })
			if ev.HasSN || len(attrsOf(t, ev)) == 0 {
				t.Fatalf("read reply = %+v", ev)
			}
			if tc.readNames != nil && len(attrsOf(t, ev)) != len(tc.readNames) {
				t.Errorf("var_len read of %v answered %v", tc.readNames, attrsOf(t, ev))
			}

			// Read with sn: 0x0093 -> 0x0094 with the same sn on the app's topic.
			if err := node.ReadAttrs(ctx, core.Target{DID: dev.DID(), ClientID: "usr42", SN: 7, WithSN: true}, nil); err != nil {
				t.Fatal(err)
			}
			ev = await(t, evs, func(ev core.DeviceEvent) bool { return ev.Cmd == p0.CmdAckSN })
			if ev.Kind != core.EventReply || !ev.HasSN || ev.SN != 7 || ev.ClientID != "usr42" {
				t.Fatalf("0x0094 reply = %+v", ev)
			}

			// Write with sn: empty 0x0094 ack, then the report.
			if err := node.WriteAttrs(ctx, core.Target{DID: dev.DID(), ClientID: "usr42", SN: 8, WithSN: true}, tc.write); err != nil {
				t.Fatal(err)
			}
			ev = await(t, evs, func(ev core.DeviceEvent) bool { return ev.Cmd == p0.CmdAckSN })
			if ev.Kind != core.EventAck || ev.SN != 8 {
				t.Fatalf("write ack = %+v", ev)
			}

			// Raw transparent data (action 0x05) comes back raw (0x06).
			raw := p0.Append(nil, p0.Frame{Cmd: p0.CmdAppToDevice, Payload: []byte{0x05, 0xCA, 0xFE}})
			if err := node.SendRaw(ctx, core.Target{DID: dev.DID(), ClientID: "usr1"}, raw); err != nil {
				t.Fatal(err)
			}
			ev = await(t, evs, func(ev core.DeviceEvent) bool { return ev.Kind == core.EventRaw })
			f, err := p0.Decode(ev.Raw)
			if err != nil || string(f.Payload) != "\x06\xCA\xFE" {
				t.Fatalf("raw echo = % x (%v)", ev.Raw, err)
			}

			// The stored latest state reflects the write.
			testserver.Eventually(t, 10*time.Second, func() error {
				d, err := srv.Admin.GetDevice(ctx, dev.DID())
				if err != nil {
					return err
				}
				var attrs map[string]any
				if err := json.Unmarshal(d.Attrs, &attrs); err != nil {
					return err
				}
				for k, v := range tc.write {
					if attrs[k] != v {
						return errString("latest " + k + " not updated: " + string(d.Attrs))
					}
				}
				return nil
			})
		})
	}
}

type errString string

func (e errString) Error() string { return string(e) }

func TestDownlinkRefusals(t *testing.T) {
	ctx := context.Background()
	srv := testserver.Start(t)
	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	d, err := srv.Admin.RegisterDevice(ctx, p.ProductKey, "0a0b0c0d0e0f", "")
	if err != nil {
		t.Fatal(err)
	}
	node := srv.Node()
	target := core.Target{DID: d.DID, ClientID: "usr1"}
	if err := node.WriteAttrs(ctx, target, map[string]any{"LED_OnOff": true}); err != core.ErrDeviceOffline {
		t.Fatalf("write to offline device: %v, want ErrDeviceOffline", err)
	}
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e0f")
	srv.WaitOnline(t, dev.DID(), true)
	for name, attrs := range map[string]map[string]any{
		"unknown datapoint": {"Nope": 1.0},
		"read-only":         {"Temperature": 20.0},
		"out of range":      {"Motor_Speed": 99.0},
		"bad enum":          {"LED_Color": "blue"},
		"wrong type":        {"LED_OnOff": "yes"},
		"nothing to write":  {},
	} {
		if err := node.WriteAttrs(ctx, core.Target{DID: dev.DID(), ClientID: "usr1"}, attrs); !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	for name, tg := range map[string]core.Target{
		"empty client id":    {DID: dev.DID()},
		"client id with /":   {DID: dev.DID(), ClientID: "a/b"},
		"client id too long": {DID: dev.DID(), ClientID: "abcdefghijklmnopqrstuvwxyz"},
	} {
		if err := node.ReadAttrs(ctx, tg, nil); !errors.Is(err, core.ErrInvalidInput) {
			t.Errorf("%s: %v, want ErrInvalidInput", name, err)
		}
	}
	if err := node.SendRaw(ctx, core.Target{DID: dev.DID(), ClientID: "u"}, []byte{0, 0, 0, 3, 3, 0, 0, 0x91}); !errors.Is(err, core.ErrInvalidInput) {
		t.Errorf("raw 0x0091 to a device: %v, want ErrInvalidInput", err)
	}
	if err := node.ReadAttrs(ctx, core.Target{DID: "AAAAAAAAAAAAAAAAAAAAAA", ClientID: "u"}, nil); err != core.ErrDeviceNotFound {
		t.Errorf("unknown did: %v", err)
	}
}
