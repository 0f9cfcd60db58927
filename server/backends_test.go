package server_test

import (
	"context"
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
// opened itself: the node must use them (a real MQTT device's online event
// arrives on the test's own handle of the bus; a device registered through
// the admin API is a row in the test's store) and must close neither (after
// Shutdown both still work, and the test closes them).
func TestCallersStoreAndBus(t *testing.T) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "callers.db"))
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	status := make(chan core.DeviceEvent, 64)
	sub, err := b.Subscribe(core.PatternAllStatus, func(_ string, raw []byte) {
		if ev, err := core.DecodeDeviceEvent(raw); err == nil {
			select {
			case status <- ev:
			default:
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	waitEvent := func(what, did string, kind core.EventKind) {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case ev := <-status:
				if ev.DID == did && ev.Kind == kind {
					return
				}
			case <-deadline:
				t.Fatalf("no %s event of %s on the caller's bus", what, did)
			}
		}
	}

	srv := testserver.Start(t, func(c *server.Config) { c.Store, c.Bus = st, b })
	if _, err := os.Stat(filepath.Join(srv.DataDir, server.DatabaseFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the node opened its own database beside the caller's store (stat: %v)", err)
	}
	p, schema := srv.CreateProduct(t, "demo-lamp.json")

	// Registered through the admin API: the row is in the caller's store.
	reg, err := srv.Admin.RegisterDevice(ctx, p.ProductKey, "0a0b0c0d0e3f", "")
	if err != nil {
		t.Fatal(err)
	}
	if d, err := st.GetDevice(ctx, reg.DID); err != nil || d.MAC != "0a0b0c0d0e3f" || d.ProductKey != p.ProductKey {
		t.Fatalf("the admin-registered device in the caller's store = %+v, %v", d, err)
	}

	// A real MQTT device: the node publishes its online event on the
	// caller's bus.
	dev := srv.StartDevice(t, p.ProductKey, schema, "0a0b0c0d0e2f")
	waitEvent("online", dev.DID(), core.EventOnline)
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
	if err := b.Publish(ctx, core.SubjectStatus(dev.DID()), []byte(`{"kind":"online","did":"`+dev.DID()+`"}`)); err != nil {
		t.Fatalf("publish on the caller's bus after shutdown: %v", err)
	}
	waitEvent("published-after-shutdown", dev.DID(), core.EventOnline)

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
