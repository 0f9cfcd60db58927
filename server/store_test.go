package server_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/switchboard-iot/switchboard/internal/testserver"
	"github.com/switchboard-iot/switchboard/server"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
)

// TestConfigStore: a node given a store (here PostgreSQL) keeps its data
// there, not in the data dir, and leaves it open on shutdown for its
// owner; what the admin API wrote is in that store.
func TestConfigStore(t *testing.T) {
	st, err := postgres.Open(t.Context(), pgtest.SchemaURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	srv := testserver.Start(t, func(c *server.Config) { c.Store = st })
	p, _ := srv.CreateProduct(t, "demo-lamp.json")
	srv.Stop(t)

	got, err := st.GetProduct(t.Context(), p.ProductKey)
	if err != nil {
		t.Fatalf("the store after the node's shutdown: %v", err)
	}
	if got.Key != p.ProductKey {
		t.Fatalf("stored product %q, created %q", got.Key, p.ProductKey)
	}
	if _, err := os.Stat(filepath.Join(srv.DataDir, server.DatabaseFile)); !os.IsNotExist(err) {
		t.Fatalf("the node also opened SQLite in its data dir: %v", err)
	}
}
