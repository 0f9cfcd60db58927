package core_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// gatedStarts is a real SQLite store whose first StartSessions after arm
// waits for open, so a test can queue a burst of connects behind it, and
// whose StartSessions fail while failing is set.
type gatedStarts struct {
	store.Store
	open    chan struct{}
	armed   atomic.Bool
	held    atomic.Int64 // entries in the held first call
	failing atomic.Bool
	mu      sync.Mutex
	batches []int
}

func (g *gatedStarts) StartSessions(ctx context.Context, starts []store.SessionStart) ([]store.SessionStarted, error) {
	if g.armed.Swap(false) {
		g.held.Store(int64(len(starts)))
		<-g.open
	}
	g.mu.Lock()
	g.batches = append(g.batches, len(starts))
	g.mu.Unlock()
	if g.failing.Load() {
		return nil, errDiskFull
	}
	return g.Store.StartSessions(ctx, starts)
}

// registerDevices registers n devices of the demo lamp.
func registerDevices(t *testing.T, n *core.Node, count int) []store.Device {
	t.Helper()
	w := newLampWorld(t, n, n.Store(), "demo-lamp.json")
	ds := []store.Device{}
	for i := range count {
		d, _, err := n.RegisterDevice(context.Background(), w.dev.ProductKey, fmt.Sprintf("0a0b0c0d%04x", i), "PASS")
		if err != nil {
			t.Fatal(err)
		}
		ds = append(ds, d)
	}
	return ds
}

// connectAll calls DeviceOnline for every device at once while the gate's
// first transaction is held, waits until all of them queued, then opens
// the gate. It returns each call's error, and whether the device's row
// was online in the store the moment its call returned.
func connectAll(t *testing.T, n *core.Node, g *gatedStarts, ds []store.Device) (errs []error, storedOnReturn []bool) {
	t.Helper()
	g.mu.Lock()
	g.batches = nil
	g.mu.Unlock()
	g.armed.Store(true)
	errs, storedOnReturn = make([]error, len(ds)), make([]bool, len(ds))
	var wg sync.WaitGroup
	for i, d := range ds {
		wg.Go(func() {
			_, errs[i] = n.DeviceOnline(context.Background(), d)
			got, err := g.Store.GetDevice(context.Background(), d.DID)
			storedOnReturn[i] = err == nil && got.Online
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for int(g.held.Load())+core.PendingOnline(n) < len(ds) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d held + %d queued of %d connects", g.held.Load(), core.PendingOnline(n), len(ds))
		}
		time.Sleep(time.Millisecond)
	}
	close(g.open)
	wg.Wait()
	return errs, storedOnReturn
}

// A burst of connects is written in few transactions (the ones queued
// behind a running transaction share the next), and each DeviceOnline
// returns only once its own row is stored: the CONNACK that follows it
// never claims an online state a crash could lose.
func TestOnlineGroupCommit(t *testing.T) {
	g := &gatedStarts{Store: openStore(t), open: make(chan struct{})}
	n := startNode(t, core.Options{Store: g})
	ds := registerDevices(t, n, 40)
	errs, stored := connectAll(t, n, g, ds)
	for i := range ds {
		if errs[i] != nil {
			t.Fatalf("DeviceOnline(%d): %v", i, errs[i])
		}
		if !stored[i] {
			t.Errorf("DeviceOnline(%d) returned before its online row was stored", i)
		}
	}
	g.mu.Lock()
	batches := g.batches
	g.mu.Unlock()
	total := 0
	for _, b := range batches {
		total += b
	}
	if total != len(ds) || len(batches) > 2 {
		t.Errorf("batches %v: want the %d connects in at most 2 transactions", batches, len(ds))
	}
}

// When the transaction fails, every connect in it gets the error and none
// is online; the next burst succeeds.
func TestOnlineGroupCommitFails(t *testing.T) {
	g := &gatedStarts{Store: openStore(t), open: make(chan struct{})}
	n := startNode(t, core.Options{Store: g})
	ds := registerDevices(t, n, 10)
	g.failing.Store(true)
	errs, stored := connectAll(t, n, g, ds)
	for i := range ds {
		if !errors.Is(errs[i], errDiskFull) {
			t.Errorf("DeviceOnline(%d) with a failing store = %v, want the store's error", i, errs[i])
		}
		if stored[i] {
			t.Errorf("device %d online although its transaction failed", i)
		}
	}
	g.failing.Store(false)
	for i, d := range ds {
		if _, err := n.DeviceOnline(context.Background(), d); err != nil {
			t.Fatalf("DeviceOnline(%d) after recovery: %v", i, err)
		}
		if got, err := g.Store.GetDevice(context.Background(), d.DID); err != nil || !got.Online {
			t.Errorf("device %d after recovery: %+v, %v", i, got, err)
		}
	}
}

// A device deleted before its connect is written gets ErrDeviceNotFound,
// without failing the others in its transaction.
func TestOnlineGroupCommitMissingDevice(t *testing.T) {
	g := &gatedStarts{Store: openStore(t), open: make(chan struct{})}
	n := startNode(t, core.Options{Store: g})
	ds := registerDevices(t, n, 5)
	if err := n.DeleteDevice(context.Background(), ds[2].DID); err != nil {
		t.Fatal(err)
	}
	errs, stored := connectAll(t, n, g, ds)
	for i := range ds {
		switch {
		case i == 2 && !errors.Is(errs[i], core.ErrDeviceNotFound):
			t.Errorf("DeviceOnline(deleted) = %v, want ErrDeviceNotFound", errs[i])
		case i != 2 && (errs[i] != nil || !stored[i]):
			t.Errorf("DeviceOnline(%d) = %v, stored %v", i, errs[i], stored[i])
		}
	}
}
