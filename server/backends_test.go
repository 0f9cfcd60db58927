package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// TestCallersStoreAndBus starts a node on a store and a bus the test
// opened itself: the node must use them (a real MQTT device's report
// arrives on the test's own handle of the bus, its row in the test's
// store) and must close neither (after Shutdown both still work, and the
// test closes them).
func TestCallersStoreAndBus(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "callers.db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	data := make(chan core.DeviceEvent, 64)
	sub, err := b.Subscribe(core.PatternAllData, func(_ string, raw []byte) {
		var ev core.DeviceEvent
		if json.Unmarshal(raw, &ev) == nil {
			select {
			case data <- ev:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}

	srv := testserver.Start(t, func(c *server.Config) { c.Store, c.Bus = st, b })
	if _, err := os.Stat(filepath.Join(srv.DataDir, server.DatabaseFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the node opened its own database beside the caller's store (stat: %v)", err)
	}
	p, schema := srv.CreateProduct(t, "demo-lamp.json")
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e2f")

	// The device's first report, published by the node on the caller's bus.
	deadline := time.After(10 * time.Second)
	for got := false; !got; {
		select {
		case ev := <-data:
			got = ev.DID == dev.DID() && ev.Kind == core.EventReport
		case <-deadline:
			t.Fatal("no data event of the device on the caller's bus")
		}
	}
	if d, err := st.GetDevice(ctx, dev.DID()); err != nil || d.ProductKey != p.ProductKey {
		t.Fatalf("the device in the caller's store = %+v, %v", d, err)
	}

	dev.Stop()
	srv.Stop(t)

	// Shutdown left both open: the store answers, and shows what shutdown
	// wrote into it (the device offline); the bus still delivers.
	d, err := st.GetDevice(ctx, dev.DID())
	if err != nil || d.Online {
		t.Fatalf("after shutdown the caller's store gives %+v, %v; want the device, offline", d, err)
	}
	if err := b.Publish(ctx, core.SubjectData(dev.DID()), []byte(`{"kind":"report","did":"`+dev.DID()+`"}`)); err != nil {
		t.Fatalf("publish on the caller's bus after shutdown: %v", err)
	}
	select {
	case ev := <-data:
		if ev.DID != dev.DID() {
			t.Fatalf("event after shutdown = %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the caller's bus delivers nothing after shutdown")
	}

	// The caller closes what it opened, and each closes once, cleanly.
	if err := sub.Unsubscribe(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("close bus: %v", err)
	}
	if err := st.Close(); err != nil {
		t.Fatalf("close store: %v", err)
	}
}
