package core_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/bus/memory"
	"github.com/switchboard-iot/switchboard/core"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// life is one run of a node on a database file: a process between its
// start and its death.
type life struct {
	n  *core.Node
	st store.Store
}

// startLife starts a node with the given id on the database at path.
func startLife(t *testing.T, path, nodeID string, logs *testserver.LogBuffer) *life {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	b := memory.New(memory.Options{})
	n, err := core.New(core.Options{Store: st, Bus: b, NodeID: nodeID,
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	l := &life{n: n, st: st}
	t.Cleanup(func() { l.die(); _ = b.Close() })
	return l
}

// die ends the life without ending its sessions, as a crash does.
func (l *life) die() {
	_ = l.n.Close(context.Background())
	_ = l.st.Close()
}

func online(t *testing.T, st store.Store, did string) bool {
	t.Helper()
	d, err := st.GetDevice(context.Background(), did)
	if err != nil {
		t.Fatal(err)
	}
	return d.Online
}

// TestStartEndsThePreviousLifesSessions: a node that died with a device
// online ends that session when it starts again; another node's start
// does not touch it; and the dead life's late offline cannot end the
// session of the new life.
func TestStartEndsThePreviousLifesSessions(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db")
	logs := &testserver.LogBuffer{}
	first := startLife(t, path, "node-a", logs)
	_, d := world(t, first.n)
	oldOwner, err := first.n.DeviceOnline(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	first.die()

	other := startLife(t, path, "node-b", logs)
	if !online(t, other.st, d.DID) {
		t.Fatal("another node's start ended node-a's session")
	}
	other.die()

	again := startLife(t, path, "node-a", logs)
	if online(t, again.st, d.DID) {
		t.Fatal("the restarted node left its previous life's session online")
	}
	if logs.Count("stale_sessions_ended=1") != 1 {
		t.Fatalf("log does not report one stale session ended:\n%s", logs.String())
	}
	// The device comes back; the old life's end (say, delayed) is stale.
	status := watch[core.DeviceEvent](t, again.n, core.SubjectStatus(d.DID))
	newOwner, err := again.n.DeviceOnline(ctx, d)
	if err != nil || newOwner.Epoch <= oldOwner.Epoch {
		t.Fatalf("new session owner %+v (old %+v), %v", newOwner, oldOwner, err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOnline {
		t.Fatalf("event = %s, want online", ev.Kind)
	}
	if err := again.n.DeviceOffline(ctx, d, oldOwner); err != nil {
		t.Fatal(err)
	}
	if !online(t, again.st, d.DID) {
		t.Fatal("the previous life's offline ended the new session")
	}
	if err := again.n.DeviceOffline(ctx, d, newOwner); err != nil {
		t.Fatal(err)
	}
	if ev := receive(t, status); ev.Kind != core.EventOffline {
		t.Fatalf("event = %s, want offline (and nothing for the stale end)", ev.Kind)
	}
}

// BenchmarkReconcile measures a restart's end of its previous life's
// sessions: devices online when the node died, ended in batches with their
// events (no partner subscribes, so no pushes).
func BenchmarkReconcile(b *testing.B) {
	const devices = 2000
	ctx := context.Background()
	for range b.N {
		b.StopTimer()
		path := filepath.Join(b.TempDir(), "db")
		st, err := sqlite.Open(ctx, path)
		if err != nil {
			b.Fatal(err)
		}
		p := store.Product{Key: "p1", Secret: "s", Name: "lamp", Schema: []byte(lamp), CreatedAt: time.Now()}
		if err := st.CreateProduct(ctx, p); err != nil {
			b.Fatal(err)
		}
		if _, err := st.StartNode(ctx, "node-a", time.Now()); err != nil { // the life that dies
			b.Fatal(err)
		}
		for i := range devices {
			did := fmt.Sprintf("did%019d", i)
			if _, _, err := st.RegisterDevice(ctx, store.Device{DID: did, ProductKey: "p1", MAC: fmt.Sprintf("%012x", i), Passcode: "pc", CreatedAt: time.Now()}); err != nil {
				b.Fatal(err)
			}
			if _, err := st.SetDeviceOnline(ctx, did, store.SessionOwner{NodeID: "node-a", Epoch: 1, Seq: int64(i)}, time.Now()); err != nil {
				b.Fatal(err)
			}
		}
		n, err := core.New(core.Options{Store: st, Bus: memory.New(memory.Options{}), NodeID: "node-a",
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if err := n.Start(ctx); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		if stale, err := st.StaleSessions(ctx, "node-a", 99); err != nil || len(stale) != 0 {
			b.Fatalf("%d sessions left online, %v", len(stale), err)
		}
		_ = n.Close(ctx)
		_ = st.Close()
	}
	b.ReportMetric(float64(devices), "devices/op")
}
