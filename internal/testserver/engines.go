package testserver

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/switchboard-iot/switchboard/store"
	"github.com/switchboard-iot/switchboard/store/postgres"
	"github.com/switchboard-iot/switchboard/store/postgres/pgtest"
	"github.com/switchboard-iot/switchboard/store/sqlite"
)

// SharedStores opens a fresh store of each engine for several nodes of a
// test to share: SQLite always, PostgreSQL where the test database is set
// up (pgtest skips, or fails under CI, without it). Each is closed when
// the test ends.
var SharedStores = map[string]func(t *testing.T) store.Store{
	"sqlite": func(t *testing.T) store.Store {
		st, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "shared.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
	"postgres": func(t *testing.T) store.Store {
		st, err := postgres.Open(context.Background(), pgtest.SchemaURL(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	},
}
