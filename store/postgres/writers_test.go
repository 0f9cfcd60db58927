package postgres_test

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/partners"
	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// Several nodes write one database: these tests open two stores (two
// pools, as two processes would) on one schema and race them on the steps
// SQLite serialises through its single writer.

// nodes opens n stores on one fresh schema, closed when t ends.
func nodes(t *testing.T, n int) []*postgres.Store {
	t.Helper()
	dsn := pgtest.SchemaURL(t)
	ss := make([]*postgres.Store, n)
	for i := range ss {
		s, err := postgres.Open(t.Context(), dsn)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		t.Cleanup(func() { _ = s.Close() })
		ss[i] = s
	}
	return ss
}

// race runs f(i) for i in [0, n) at once, store i%len(ss) each.
func race(n int, f func(i int)) {
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			f(i)
		})
	}
	close(start)
	wg.Wait()
}

const racers = 16

var t0 = time.UnixMilli(1_700_000_000_000).UTC()

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func seedProduct(t *testing.T, s store.Store) string {
	t.Helper()
	key := fmt.Sprintf("%032x", 1)
	mustDo(t, s.CreateProduct(t.Context(), store.Product{Key: key, Secret: "s", Name: "p", Schema: []byte("{}"), CreatedAt: t0}))
	return key
}

// TestRegisterRace: nodes registering one product+mac at once, each
// proposing its own did, agree on one device; exactly one says created.
func TestRegisterRace(t *testing.T) {
	ss := nodes(t, 2)
	key := seedProduct(t, ss[0])
	var mu sync.Mutex
	created, dids := 0, map[string]bool{}
	race(racers, func(i int) {
		d, c, err := ss[i%2].RegisterDevice(t.Context(), store.Device{
			DID: fmt.Sprintf("did%019d", i), ProductKey: key, MAC: "a0b0c0d0e0f0", Passcode: "p", CreatedAt: t0})
		if err != nil {
			t.Errorf("register %d: %v", i, err)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		dids[d.DID] = true
		if c {
			created++
		}
	})
	if created != 1 || len(dids) != 1 {
		t.Fatalf("%d registrations said created, dids returned %v; want 1 and one did", created, dids)
	}
}

// TestFirstBindRace: users binding a new device at once through two nodes
// get exactly one owner.
func TestFirstBindRace(t *testing.T) {
	ss := nodes(t, 2)
	ctx := t.Context()
	key := seedProduct(t, ss[0])
	_, _, err := ss[0].RegisterDevice(ctx, store.Device{DID: "did1", ProductKey: key, MAC: "a0b0c0d0e0f0", Passcode: "p", CreatedAt: t0})
	mustDo(t, err)
	app := fmt.Sprintf("%032x", 2)
	mustDo(t, ss[0].CreateApp(ctx, store.App{ID: app, Secret: "s", Name: "a", CreatedAt: t0}))
	for i := range racers {
		mustDo(t, ss[0].CreateUser(ctx, store.User{UID: fmt.Sprintf("u%d", i), AppID: app, CreatedAt: t0, UpdatedAt: t0}))
	}
	race(racers, func(i int) {
		if _, _, err := ss[i%2].Bind(ctx, store.Binding{UID: fmt.Sprintf("u%d", i), DID: "did1", CreatedAt: t0}); err != nil {
			t.Errorf("bind %d: %v", i, err)
		}
	})
	bs, err := ss[1].ListDeviceBindings(ctx, "did1")
	mustDo(t, err)
	owners := 0
	for _, b := range bs {
		if b.Role == "owner" {
			owners++
		}
	}
	if len(bs) != racers || owners != 1 {
		t.Fatalf("%d bindings with %d owners; want %d with 1", len(bs), owners, racers)
	}
}

// TestOnlineRace: sessions of several nodes taking one offline device
// online at once: exactly one finds it offline, and only its push is
// enqueued (the push rides in the same transaction).
func TestOnlineRace(t *testing.T) {
	ss := nodes(t, 2)
	ctx := t.Context()
	key := seedProduct(t, ss[0])
	_, _, err := ss[0].RegisterDevice(ctx, store.Device{DID: "did1", ProductKey: key, MAC: "a0b0c0d0e0f0", Passcode: "p", CreatedAt: t0})
	mustDo(t, err)
	mustDo(t, ss[0].CreatePartner(ctx, partners.Partner{AppID: "partner", KeyID: "k", AppKey: "k", Name: "p", CreatedAt: t0}))
	var mu sync.Mutex
	offline := 0
	race(racers, func(i int) {
		owner := store.SessionOwner{NodeID: fmt.Sprintf("node%d", i%2), Epoch: 1, Seq: int64(i)}
		push := store.Push{MsgID: fmt.Sprintf("m%d", i), AppID: "partner", Payload: []byte("{}"), CreatedAt: t0, NextAt: t0}
		was, err := ss[i%2].SetDeviceOnline(ctx, "did1", owner, t0, push)
		if err != nil {
			t.Errorf("online %d: %v", i, err)
			return
		}
		if !was {
			mu.Lock()
			offline++
			mu.Unlock()
		}
	})
	counts, err := ss[1].CountPendingPushes(ctx)
	mustDo(t, err)
	if offline != 1 || counts["partner"] != 1 {
		t.Fatalf("%d sessions found the device offline, %d pushes enqueued; want 1 and 1", offline, counts["partner"])
	}
}
