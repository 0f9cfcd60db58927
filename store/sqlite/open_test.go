package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
)

// openTemp opens a store in a fresh directory and closes it with the test.
func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hub.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s, path
}

// TestPragmas checks that every pooled connection, not just the first one,
// carries the settings durability and integrity depend on.
func TestPragmas(t *testing.T) {
	s, _ := openTemp(t)
	ctx := t.Context()
	check := func(t *testing.T, db *sql.DB, n int, want map[string]string) {
		// Hold n connections at once so the pool has to open n of them.
		conns := make([]*sql.Conn, n)
		for i := range conns {
			c, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			conns[i] = c
		}
		for i, c := range conns {
			for pragma, v := range want {
				var got string
				if err := c.QueryRowContext(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
					t.Fatalf("conn %d PRAGMA %s: %v", i, pragma, err)
				}
				if !strings.EqualFold(got, v) {
					t.Errorf("conn %d: %s = %s, want %s", i, pragma, got, v)
				}
			}
		}
		for _, c := range conns {
			_ = c.Close()
		}
	}
	base := map[string]string{
		"journal_mode": "wal",
		"synchronous":  "2", // FULL
		"foreign_keys": "1",
		"busy_timeout": "10000",
	}
	t.Run("writer", func(t *testing.T) {
		check(t, s.w, 1, base)
	})
	t.Run("readers", func(t *testing.T) {
		want := map[string]string{"query_only": "1"}
		for k, v := range base {
			want[k] = v
		}
		check(t, s.r, max(4, runtime.GOMAXPROCS(0)), want)
	})
}

// TestReadPoolIsReadOnly guards against a write slipping onto a reader, where
// it would bypass the writer serialisation.
func TestReadPoolIsReadOnly(t *testing.T) {
	s, _ := openTemp(t)
	_, err := s.r.ExecContext(t.Context(), `INSERT INTO apps (id, secret, name, created_at) VALUES ('a', 's', 'n', 0)`)
	if err == nil {
		t.Fatal("insert through the read pool succeeded")
	}
}

// TestFilePermissions: the file holds secrets, so only the owner may read it.
func TestFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix permissions")
	}
	s, path := openTemp(t)
	if err := s.CreateApp(t.Context(), newTestApp()); err != nil { // make sure the WAL exists
		t.Fatal(err)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			t.Errorf("%s mode = %v, want no group/other access", filepath.Base(p), perm)
		}
	}
}

// TestOddPath: characters that are special in URIs must not end the file
// name or start the parameters.
func TestOddPath(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a?b#c%20d e")
	path := filepath.Join(dir, "hub.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer s.Close()
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at %q: %v", path, err)
	}
	if err := s.CreateApp(t.Context(), newTestApp()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "hub.db") {
			t.Errorf("unexpected file %q next to the database", e.Name())
		}
	}
}

// TestCloseIdempotent: Close twice is fine and later calls fail cleanly.
func TestCloseIdempotent(t *testing.T) {
	s, _ := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if _, err := s.GetApp(t.Context(), "x"); err == nil {
		t.Error("GetApp after Close succeeded")
	}
}

// TestRefusesNewerSchema: a binary must not run on a schema from its future.
func TestRefusesNewerSchema(t *testing.T) {
	s, path := openTemp(t)
	if _, err := s.w.ExecContext(t.Context(),
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, '9999_future.sql', 0)`); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err := Open(t.Context(), path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open = %v, want a newer-schema error", err)
	}
}

// TestMigrationFailureRollsBack: a broken step leaves nothing half-applied.
func TestMigrationFailureRollsBack(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	db, err := openPool(path, roleMigrate, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ms, err := loadMigrations(fstest.MapFS{
		"0001_ok.sql":     {Data: []byte(`CREATE TABLE t1 (x INTEGER);`)},
		"0002_broken.sql": {Data: []byte(`CREATE TABLE t2 (x INTEGER); CREATE TABLE t1 (y INTEGER);`)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := migrate(t.Context(), db, ms); err == nil {
		t.Fatal("migrate with a broken step succeeded")
	}
	var n int
	if err := db.QueryRowContext(t.Context(),
		`SELECT count(*) FROM sqlite_schema WHERE name IN ('t1', 't2', 'schema_migrations')`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Errorf("%d objects survived the failed migration, want 0", n)
	}
}

// TestLoadMigrationsRejectsBadNames: naming mistakes fail at startup.
func TestLoadMigrationsRejectsBadNames(t *testing.T) {
	for name, fsys := range map[string]fstest.MapFS{
		"no number": {"init.sql": {}},
		"duplicate": {"0001_a.sql": {}, "0001_b.sql": {}},
	} {
		if _, err := loadMigrations(fsys); err == nil {
			t.Errorf("%s: loadMigrations succeeded", name)
		}
	}
}

// TestConcurrentOpen: two Opens racing on a new file both succeed and the
// schema is applied once.
func TestConcurrentOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hub.db")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			s, err := Open(context.Background(), path)
			if err == nil {
				err = s.Close()
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
}
