package core_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/codec/datapoint"
	"github.com/switchboard-iot/switchboard/codec/p0"
	"github.com/switchboard-iot/switchboard/core"
)

func attrsOf(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("attrs %s: %v", raw, err)
	}
	return m
}

// A var_len device reports only what changed: each report is published
// with its own datapoints, and the latest state is the merge of all of
// them, in the cache at once and in the store after WaitStored.
func TestUplinkReportsMergeIntoLatestState(t *testing.T) {
	n, st := newNode(t, time.Hour)
	w := newLampWorld(t, n, st, "demo-fan-varlen.json")
	if !w.schema.VarLen() {
		t.Fatal("the demo fan is expected to be var_len")
	}
	events := watch[core.DeviceEvent](t, n, core.SubjectData(w.dev.DID))
	ctx := context.Background()

	if err := n.DeviceUplink(ctx, w.dev, "", w.report(t, map[string]any{"Power": true, "Speed": 10})); err != nil {
		t.Fatal(err)
	}
	ev := receive(t, events)
	if ev.Kind != core.EventReport || ev.DID != w.dev.DID || ev.Cmd != p0.CmdDeviceToApp {
		t.Fatalf("first event = %+v, want a report of %s", ev, w.dev.DID)
	}
	if got := attrsOf(t, ev.Attrs); len(got) != 2 || got["Power"] != true || got["Speed"] != float64(10) {
		t.Fatalf("first report attrs = %v, want Power true and Speed 10 only", got)
	}

	if err := n.DeviceUplink(ctx, w.dev, "", w.report(t, map[string]any{"Speed": 90})); err != nil {
		t.Fatal(err)
	}
	if got := attrsOf(t, receive(t, events).Attrs); len(got) != 1 || got["Speed"] != float64(90) {
		t.Fatalf("second report attrs = %v, want Speed 90 only", got)
	}

	latest, at, err := n.LatestState(ctx, w.dev.DID)
	if err != nil {
		t.Fatal(err)
	}
	if got := attrsOf(t, latest); got["Power"] != true || got["Speed"] != float64(90) {
		t.Fatalf("latest state = %v, want the merge Power true, Speed 90", got)
	}
	if at.IsZero() {
		t.Fatal("latest state has no time")
	}
	if err := n.WaitStored(ctx); err != nil {
		t.Fatal(err)
	}
	stored, err := st.GetState(ctx, w.dev.DID)
	if err != nil {
		t.Fatal(err)
	}
	if got := attrsOf(t, stored.Attrs); got["Power"] != true || got["Speed"] != float64(90) {
		t.Fatalf("stored state = %v, want the merge", got)
	}
}

// A 0x0093 report asks the app for an ack (req_sn); a 0x0094 answers an
// app's 0x0093 (res_sn) and is addressed to its client; an empty 0x0094 is
// a bare ack.
func TestUplinkSerialNumbers(t *testing.T) {
	n, st := newNode(t, time.Hour)
	w := newLampWorld(t, n, st, "demo-fan-varlen.json")
	events := watch[core.DeviceEvent](t, n, core.SubjectData(w.dev.DID))
	ctx := context.Background()
	action := datapoint.ActionVarReport

	if err := n.DeviceUplink(ctx, w.dev, "", w.frame(t, p0.CmdWithSN, 41, action, map[string]any{"Speed": 1})); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, events); ev.Kind != core.EventReport || !ev.HasSN || ev.SN != 41 {
		t.Fatalf("0x0093 report = %+v, want a report with sn 41", ev)
	}
	if err := n.DeviceUplink(ctx, w.dev, "app-7", w.frame(t, p0.CmdAckSN, 42, datapoint.ActionVarReadReply, map[string]any{"Speed": 2})); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, events); ev.Kind != core.EventReply || ev.SN != 42 || ev.ClientID != "app-7" {
		t.Fatalf("0x0094 reply = %+v, want a reply with sn 42 for app-7", ev)
	}
	if err := n.DeviceUplink(ctx, w.dev, "app-7", p0.Append(nil, p0.Frame{Cmd: p0.CmdAckSN, SN: 43})); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, events); ev.Kind != core.EventAck || ev.SN != 43 {
		t.Fatalf("empty 0x0094 = %+v, want an ack with sn 43", ev)
	}
}

// Passthrough data and frames that do not fit the schema are published
// raw; bytes that are not P0 are refused and published nowhere. Neither
// changes the latest state.
func TestUplinkRawAndMalformed(t *testing.T) {
	n, st := newNode(t, time.Hour)
	w := newLampWorld(t, n, st, "demo-fan-varlen.json")
	events := watch[core.DeviceEvent](t, n, core.SubjectData(w.dev.DID))
	ctx := context.Background()

	passthrough := p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: []byte{0x05, 'h', 'i'}})
	if err := n.DeviceUplink(ctx, w.dev, "", passthrough); err != nil {
		t.Fatalf("passthrough: %v", err)
	}
	if ev := receive(t, events); ev.Kind != core.EventRaw || string(ev.Raw) != string(passthrough) || ev.Error != "" {
		t.Fatalf("passthrough event = %+v, want raw with the frame's bytes", ev)
	}

	// A report action with one byte where the schema needs more.
	short := p0.Append(nil, p0.Frame{Cmd: p0.CmdDeviceToApp, Payload: []byte{datapoint.ActionVarReport, 0xff}})
	err := n.DeviceUplink(ctx, w.dev, "", short)
	if !errors.Is(err, core.ErrNotStandard) {
		t.Fatalf("short report error = %v, want ErrNotStandard", err)
	}
	if ev := receive(t, events); ev.Kind != core.EventRaw || ev.Error == "" {
		t.Fatalf("short report event = %+v, want raw with an error", ev)
	}

	if err := n.DeviceUplink(ctx, w.dev, "", []byte{0x00, 0x00, 0x00, 0x03, 0x01}); !errors.Is(err, core.ErrBadFrame) {
		t.Fatalf("garbage error = %v, want ErrBadFrame", err)
	}
	select {
	case ev := <-events:
		t.Fatalf("garbage was published: %+v", ev)
	case <-time.After(100 * time.Millisecond):
	}
	latest, _, err := n.LatestState(ctx, w.dev.DID)
	if err != nil {
		t.Fatal(err)
	}
	if string(latest) != "{}" {
		t.Fatalf("latest state = %s after raw and bad frames, want {}", latest)
	}
}
