package server_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store"
)

// nodeConfig is a node on st with a data dir of its own.
func nodeConfig(t *testing.T, st store.Store) server.Config {
	return server.Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", MQTTAddr: "127.0.0.1:0", Store: st,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// startAtOnce starts the nodes of cfgs at the same moment and fails the
// test if any does not start.
func startAtOnce(t *testing.T, cfgs ...server.Config) []*server.Server {
	t.Helper()
	srvs, errs := make([]*server.Server, len(cfgs)), make([]error, len(cfgs))
	var wg sync.WaitGroup
	for i, c := range cfgs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			srvs[i], errs[i] = server.Start(context.Background(), c)
		}()
	}
	wg.Wait()
	for _, s := range srvs {
		if s != nil {
			t.Cleanup(func() { _ = s.Shutdown(context.Background()) })
		}
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: start: %v", i, err)
		}
	}
	return srvs
}

// adminStatus is the status of an admin call to srv with token.
func adminStatus(t *testing.T, srv *server.Server, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, "http://"+srv.HTTPAddr().String()+"/admin/v1/apps", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestAdminTokenSharedByNodes: nodes started at the same moment on one
// store without --admin-token use one generated token: one of them created
// it (and prints it), every node accepts it and keeps it in its data dir,
// and a node whose data dir holds another token is refused at start.
func TestAdminTokenSharedByNodes(t *testing.T) {
	for name, open := range testserver.SharedStores {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			srvs := startAtOnce(t, nodeConfig(t, st), nodeConfig(t, st), nodeConfig(t, st))
			token, created := srvs[0].AdminToken, 0
			for i, s := range srvs {
				if s.AdminToken != token {
					t.Fatalf("node %d uses another admin token than node 0", i)
				}
				if s.AdminTokenCreated {
					created++
				}
				if got := adminStatus(t, s, token); got != http.StatusOK {
					t.Fatalf("node %d answers the shared token with %d", i, got)
				}
				if got := adminStatus(t, s, token+"x"); got != http.StatusUnauthorized {
					t.Fatalf("node %d answers a wrong token with %d", i, got)
				}
			}
			if created != 1 {
				t.Fatalf("%d nodes say they created the admin token; want 1", created)
			}

			// A later node on the same store with the token in its data dir
			// restarts fine; one with another token does not start.
			reuse := nodeConfig(t, st)
			if err := os.WriteFile(filepath.Join(reuse.DataDir, server.AdminTokenFile), []byte(token+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			if s := startAtOnce(t, reuse)[0]; s.AdminToken != token || s.AdminTokenCreated {
				t.Fatalf("a node keeping the shared token: token changed %v, created %v", s.AdminToken != token, s.AdminTokenCreated)
			}
			other := nodeConfig(t, st)
			if err := os.WriteFile(filepath.Join(other.DataDir, server.AdminTokenFile), []byte("sba_another\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := server.Start(context.Background(), other)
			if err == nil {
				s.Shutdown(context.Background())
				t.Fatal("a node with another admin token in its data dir started")
			}
			if !strings.Contains(err.Error(), "not the admin token of the nodes sharing this store") {
				t.Fatalf("start error %q does not say why", err)
			}
		})
	}
}

// TestConfiguredAdminTokenOnEveryNode: with --admin-token every node
// accepts that token, whatever another node generated before.
func TestConfiguredAdminTokenOnEveryNode(t *testing.T) {
	st := testserver.SharedStores["sqlite"](t)
	generated := startAtOnce(t, nodeConfig(t, st))[0]
	a, b := nodeConfig(t, st), nodeConfig(t, st)
	a.AdminToken, b.AdminToken = "operator-secret", "operator-secret"
	for i, s := range startAtOnce(t, a, b) {
		if got := adminStatus(t, s, "operator-secret"); got != http.StatusOK || s.AdminTokenCreated {
			t.Fatalf("node %d: the configured token answers %d (created %v)", i, got, s.AdminTokenCreated)
		}
		if got := adminStatus(t, s, generated.AdminToken); got != http.StatusUnauthorized {
			t.Fatalf("node %d accepts the generated token beside the configured one: %d", i, got)
		}
	}
	if _, err := os.Stat(filepath.Join(a.DataDir, server.AdminTokenFile)); !os.IsNotExist(err) {
		t.Fatalf("a configured token was written to the data dir: %v", err)
	}
}

// TestAdminTokenOwnStoreStaysInDataDir: a node on the SQLite of its own data
// dir, which no other node can share, keeps its generated token in the
// data dir alone: deleting the file has a new one generated, as before
// nodes shared stores.
func TestAdminTokenOwnStoreStaysInDataDir(t *testing.T) {
	cfg := nodeConfig(t, nil)
	first, err := server.Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !first.AdminTokenCreated {
		t.Fatal("the first start did not generate the admin token")
	}
	if err := os.Remove(filepath.Join(cfg.DataDir, server.AdminTokenFile)); err != nil {
		t.Fatal(err)
	}
	again := startAtOnce(t, cfg)[0]
	if !again.AdminTokenCreated || again.AdminTokenTaken || again.AdminToken == first.AdminToken {
		t.Fatalf("after deleting the file: created %v, taken %v, same token %v; want a new one generated",
			again.AdminTokenCreated, again.AdminTokenTaken, again.AdminToken == first.AdminToken)
	}
}
