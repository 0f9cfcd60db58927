package core_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/store"
)

// failingStates is a real SQLite store whose state writes fail while
// failing is set, as a full disk or a lost database connection would.
type failingStates struct {
	store.Store
	failing atomic.Bool
	calls   atomic.Int64
}

var errDiskFull = errors.New("disk full")

func (f *failingStates) PutStates(ctx context.Context, rows []store.State, pushes ...store.Push) error {
	f.calls.Add(1)
	if f.failing.Load() {
		return errDiskFull
	}
	return f.Store.PutStates(ctx, rows, pushes...)
}

func newFailingNode(t *testing.T) (*core.Node, *failingStates) {
	t.Helper()
	fs := &failingStates{Store: openStore(t)}
	return startNode(t, core.Options{Store: fs, StateFlushInterval: 20 * time.Millisecond}), fs
}

// While the store refuses state writes, a QoS 1 report's wait for the
// disk ends with its caller's deadline (never parked for ever) and nothing
// claims it is stored; a waiter still waiting when the store recovers is
// released by the retry, and the report is then on disk.
func TestGroupCommitStoreFailsThenRecovers(t *testing.T) {
	n, fs := newFailingNode(t)
	w := newLampWorld(t, n, fs, "demo-fan-varlen.json")
	ctx := context.Background()

	fs.failing.Store(true)
	if err := n.DeviceUplink(ctx, w.dev, "", w.report(t, map[string]any{"Speed": 42})); err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	err := n.WaitStored(short)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("WaitStored while the store fails = %v, want the caller's deadline", err)
	}
	if _, err := fs.Store.GetState(ctx, w.dev.DID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("state stored while writes fail: %v", err)
	}

	// A waiter parked during the outage...
	waited := make(chan error, 1)
	go func() {
		c, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		waited <- n.WaitStored(c)
	}()
	// ...sees at least one more failed attempt, then the store recovers.
	before := fs.calls.Load()
	for fs.calls.Load() < before+2 {
		time.Sleep(5 * time.Millisecond)
	}
	fs.failing.Store(false)
	select {
	case err := <-waited:
		if err != nil {
			t.Fatalf("waiter after recovery: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a waiter of the failed flushes was not released by the retry")
	}
	st, err := fs.Store.GetState(ctx, w.dev.DID)
	if err != nil {
		t.Fatalf("state after recovery: %v", err)
	}
	if got := attrsOf(t, st.Attrs); got["Speed"] != float64(42) {
		t.Fatalf("stored state = %v, want Speed 42", got)
	}
}

// A node whose store keeps failing still closes: Close reports the failed
// final write instead of hanging.
func TestGroupCommitCloseWithFailingStore(t *testing.T) {
	n, fs := newFailingNode(t)
	w := newLampWorld(t, n, fs, "demo-fan-varlen.json")
	fs.failing.Store(true)
	if err := n.DeviceUplink(context.Background(), w.dev, "", w.report(t, map[string]any{"Power": true})); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := n.Close(ctx); !errors.Is(err, errDiskFull) {
		t.Fatalf("Close with a failing store = %v, want the store's error", err)
	}
}
