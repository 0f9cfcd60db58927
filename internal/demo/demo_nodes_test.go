package demo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/switchboard-iot/switchboard/internal/demo"
	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
)

// login posts the demo login to a node's app API over HTTP.
func login(t *testing.T, s *testserver.Server, d *demo.Demo) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": d.Username, "password": d.Password})
	req, _ := http.NewRequest(http.MethodPost, s.HTTPURL+"/app/login", bytes.NewReader(body))
	req.Header.Set("X-Gizwits-Application-Id", d.AppID)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestDemoOnNodesStartedAtOnce: `serve --demo` on two nodes sharing a store,
// started at the same moment, makes one demo data set (one product, one
// application, one demo user) that both use, each node simulating its own
// devices bound to that user; a restart reuses it all.
func TestDemoOnNodesStartedAtOnce(t *testing.T) {
	for name, open := range testserver.SharedStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			shared := func(c *server.Config) { c.Store = st }
			nodes := []*testserver.Server{testserver.Start(t, shared), testserver.Start(t, shared)}
			demos, errs := make([]*demo.Demo, 2), make([]error, 2)
			var wg sync.WaitGroup
			for i, n := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					demos[i], errs[i] = demo.Start(context.Background(), n.Server,
						demo.Options{DataDir: n.DataDir, Devices: 1, ReportEvery: time.Hour})
				}()
			}
			wg.Wait()
			for i, d := range demos {
				if errs[i] != nil {
					t.Fatalf("node %d: demo: %v", i, errs[i])
				}
				t.Cleanup(d.Stop)
			}
			a, b := demos[0], demos[1]
			if a.ProductKey != b.ProductKey || a.AppID != b.AppID || a.UID != b.UID || a.Password != b.Password {
				t.Fatalf("two demo data sets: product %s/%s, app %s/%s, user %s/%s",
					a.ProductKey, b.ProductKey, a.AppID, b.AppID, a.UID, b.UID)
			}
			if a.Created == b.Created {
				t.Fatalf("created on node 0: %v, on node 1: %v; want exactly one", a.Created, b.Created)
			}
			ctx := context.Background()
			if ps, err := st.ListProducts(ctx); err != nil || len(ps) != 1 {
				t.Fatalf("products in the store: %d, %v; want 1", len(ps), err)
			}
			if as, err := st.ListApps(ctx); err != nil || len(as) != 1 {
				t.Fatalf("applications in the store: %d, %v; want 1", len(as), err)
			}
			for i, n := range nodes {
				if got := login(t, n, a); got != http.StatusOK {
					t.Fatalf("the demo login on node %d: status %d", i, got)
				}
			}
			if a.Devices[0].DID() == b.Devices[0].DID() {
				t.Fatal("both nodes simulate the same device")
			}
			bs, err := st.ListUserBindings(ctx, a.UID, 10, 0)
			if err != nil || len(bs) != 2 {
				t.Fatalf("the demo user's bindings: %d, %v; want one device per node", len(bs), err)
			}

			// A restart of a node reuses the data set and its own device.
			a.Stop()
			again, err := demo.Start(ctx, nodes[0].Server, demo.Options{DataDir: nodes[0].DataDir, Devices: 1, ReportEvery: time.Hour})
			if err != nil {
				t.Fatal(err)
			}
			defer again.Stop()
			if again.Created || again.AppID != a.AppID || again.Devices[0].DID() != a.Devices[0].DID() {
				t.Fatalf("restart: created %v, same app %v, same device %v", again.Created, again.AppID == a.AppID,
					again.Devices[0].DID() == a.Devices[0].DID())
			}
		})
	}
}

// TestDemoTakesOverLapsedClaim: a node that died while creating the demo
// leaves a pending claim in the store; once it lapses, the next node takes
// it over and creates the data set instead of waiting forever.
func TestDemoTakesOverLapsedClaim(t *testing.T) {
	st := testserver.SharedStores["sqlite"](t)
	if _, _, err := st.ClaimValue(context.Background(), "demo", `{"pending":true,"claim":"dead-node","until":1}`); err != nil {
		t.Fatal(err)
	}
	n := testserver.Start(t, func(c *server.Config) { c.Store = st })
	d, err := demo.Start(context.Background(), n.Server, demo.Options{DataDir: n.DataDir, Devices: 1, ReportEvery: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Stop()
	if !d.Created {
		t.Fatal("the demo was not created under the lapsed claim")
	}
	if got := login(t, n, d); got != http.StatusOK {
		t.Fatalf("the demo login: status %d", got)
	}
	v, _, err := st.ClaimValue(context.Background(), "demo", "")
	if err != nil || !bytes.Contains([]byte(v), []byte(d.AppID)) {
		t.Fatalf("the store's demo record %q, %v; want the new data set's", v, err)
	}
}
