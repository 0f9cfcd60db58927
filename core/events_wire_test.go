package core_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus"
	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
)

var wireEvents = map[string]core.DeviceEvent{
	"empty": {},
	"report": {
		Kind: core.EventReport, DID: "did-1", ProductKey: "pk", MAC: "aabbccddeeff", Cmd: 0x0091,
		Action: 0x04, Attrs: json.RawMessage(`{"on":true,"speed":3}`), Raw: []byte{0, 0, 0, 3, 6, 0, 0, 0x91, 4, 1},
		At: time.Date(2026, 12, 5, 1, 2, 3, 4000000, time.UTC),
	},
	"reply with sn to a client": {
		Kind: core.EventReply, DID: "d", Cmd: 0x0094, SN: 1<<32 - 1, HasSN: true, ClientID: "app-7",
		Attrs: json.RawMessage(`{}`), At: time.Unix(0, 1).UTC(),
	},
	"sn zero but present": {Kind: core.EventAck, DID: "d", Cmd: 0x0094, HasSN: true},
	"raw with an error":   {Kind: core.EventRaw, DID: "d", Cmd: 0xffff, Raw: []byte{0xff}, Error: "field \"x\": out of range"},
	"before 1970":         {Kind: core.EventOffline, DID: "d", At: time.Date(1969, 7, 20, 20, 17, 0, 0, time.UTC)},
	"non-ASCII strings":   {Kind: core.EventOnline, DID: "设备", MAC: "\x00é"},
}

// The binary form gives back the event it was made from, field for field.
func TestDeviceEventBinaryRoundTrip(t *testing.T) {
	for name, ev := range wireEvents {
		t.Run(name, func(t *testing.T) {
			got, err := core.DecodeDeviceEvent(ev.AppendBinary(nil))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, ev) {
				t.Fatalf("decoded %+v\nwant    %+v", got, ev)
			}
		})
	}
}

// The JSON form, which nodes on a shared bus exchange, still reads, and to
// the same event as the binary one.
func TestDeviceEventFormsAgree(t *testing.T) {
	for name, ev := range wireEvents {
		t.Run(name, func(t *testing.T) {
			js, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			fromJSON, err := core.DecodeDeviceEvent(js)
			if err != nil {
				t.Fatal(err)
			}
			fromBinary, err := core.DecodeDeviceEvent(ev.AppendBinary(nil))
			if err != nil {
				t.Fatal(err)
			}
			// JSON keeps At's location; compare instants.
			if !fromJSON.At.Equal(fromBinary.At) {
				t.Fatalf("At: JSON %v, binary %v", fromJSON.At, fromBinary.At)
			}
			fromJSON.At, fromBinary.At = time.Time{}, time.Time{}
			if !reflect.DeepEqual(fromJSON, fromBinary) {
				t.Fatalf("JSON gives %+v\nbinary   %+v", fromJSON, fromBinary)
			}
		})
	}
}

func TestDeviceEventMalformed(t *testing.T) {
	full := wireEvents["report"]
	good := full.AppendBinary(nil)
	cases := map[string][]byte{
		"nothing":          nil,
		"version only":     {0x01},
		"unknown flags":    append([]byte{0x01, 0x80}, good[2:]...),
		"trailing byte":    append(append([]byte(nil), good...), 0),
		"length past end":  {0x01, 0x00, 0x7f, 'a'},
		"cmd over 16 bits": append([]byte{0x01, 0x00, 0, 0, 0, 0}, 0x80, 0x80, 0x04),
		"not JSON either":  []byte("{kind"),
		"unknown version":  {0x02, 0x00},
	}
	for i := 1; i < len(good); i++ {
		cases[fmt.Sprintf("cut after %d bytes", i)] = good[:i]
	}
	for name, b := range cases {
		if ev, err := core.DecodeDeviceEvent(b); err == nil {
			t.Errorf("%s: decoded %+v, want an error", name, ev)
		}
	}
}

// Byte fields are copies: the bus may reuse its buffer once the handler
// returns.
func TestDecodedEventOwnsItsBytes(t *testing.T) {
	ev := wireEvents["report"]
	b := ev.AppendBinary(nil)
	got, err := core.DecodeDeviceEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	clear(b)
	if string(got.Attrs) != string(ev.Attrs) || string(got.Raw) != string(ev.Raw) {
		t.Fatalf("decoded bytes changed with the input: %s %x", got.Attrs, got.Raw)
	}
}

// A node publishes device events in the binary form on an in-process bus
// and as JSON on one that may span nodes (older nodes read JSON only).
func TestEventFormFollowsTheBus(t *testing.T) {
	for _, tc := range []struct {
		name     string
		wrap     func(bus.Bus) bus.Bus
		wantJSON bool
	}{
		{"in-process bus", func(b bus.Bus) bus.Bus { return b }, false},
		{"bus that may span nodes", func(b bus.Bus) bus.Bus { return struct{ bus.Bus }{b} }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mem := memory.New(memory.Options{})
			t.Cleanup(func() { _ = mem.Close() })
			b := tc.wrap(mem)
			if bus.IsLocal(b) == tc.wantJSON {
				t.Fatalf("IsLocal = %v", bus.IsLocal(b))
			}
			st := openStore(t)
			n := startNode(t, core.Options{Store: st, Bus: b, TokenTTL: time.Hour})
			w := newLampWorld(t, n, st, "demo-fan-varlen.json")
			raw := make(chan []byte, 1)
			sub, err := mem.Subscribe(core.SubjectData(w.dev.DID), func(_ string, data []byte) {
				raw <- append([]byte(nil), data...)
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = sub.Unsubscribe() })
			if err := n.DeviceUplink(context.Background(), w.dev, "", w.report(t, map[string]any{"Speed": 7})); err != nil {
				t.Fatal(err)
			}
			data := receive(t, raw)
			if isJSON := data[0] == '{'; isJSON != tc.wantJSON {
				t.Fatalf("published %q..., want JSON %v", data[:min(len(data), 8)], tc.wantJSON)
			}
			ev, err := core.DecodeDeviceEvent(data)
			if err != nil || ev.Kind != core.EventReport || attrsOf(t, ev.Attrs)["Speed"] != float64(7) {
				t.Fatalf("event = %+v, %v", ev, err)
			}
		})
	}
}

// FuzzDecodeDeviceEvent: any input decodes or fails cleanly, and what
// decodes from the binary form encodes back to the same bytes.
func FuzzDecodeDeviceEvent(f *testing.F) {
	for _, ev := range wireEvents {
		f.Add(ev.AppendBinary(nil))
		js, _ := json.Marshal(ev)
		f.Add(js)
	}
	f.Add([]byte{0x01, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		ev, err := core.DecodeDeviceEvent(b)
		if err != nil || len(b) == 0 || b[0] != 0x01 {
			return
		}
		again := ev.AppendBinary(nil)
		back, err := core.DecodeDeviceEvent(again)
		if err != nil {
			t.Fatalf("re-encoded event does not decode: %v", err)
		}
		if !reflect.DeepEqual(back, ev) {
			t.Fatalf("round trip changed the event:\n%+v\n%+v", ev, back)
		}
	})
}
