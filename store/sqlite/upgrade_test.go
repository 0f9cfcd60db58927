package sqlite

import (
	"io/fs"
	"path/filepath"
	"testing"
	"testing/fstest"
	"time"

	"github.com/switchboard-iot/switchboard/store"
)

// TestUpgradeFrom0001 opens a database written by a binary that knew only
// 0001 (with rows in it) and checks 0002 applies on top and the new tables
// work against the old rows.
func TestUpgradeFrom0001(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "hub.db")
	if err := createFile(path); err != nil {
		t.Fatal(err)
	}
	initSQL, err := fs.ReadFile(migrationFS, "migrations/0001_init.sql")
	if err != nil {
		t.Fatal(err)
	}
	old, err := loadMigrations(fstest.MapFS{"migrations/0001_init.sql": {Data: initSQL}})
	if err != nil {
		t.Fatal(err)
	}
	db, err := openPool(path, roleMigrate, 1)
	if err != nil {
		t.Fatal(err)
	}
	err = migrate(ctx, db, old)
	if err == nil {
		_, err = db.ExecContext(ctx, `INSERT INTO apps (id, secret, name, created_at) VALUES ('a1', 's', 'n', 1);
			INSERT INTO products (key, secret, name, schema, created_at) VALUES ('p1', 's', 'n', '{}', 1);
			INSERT INTO devices (did, product_key, mac, passcode, created_at) VALUES ('d1', 'p1', 'm', 'pc', 1)`)
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}

	s, err := Open(ctx, path)
	if err != nil {
		t.Fatalf("Open(0001 database): %v", err)
	}
	defer s.Close()
	now := time.UnixMilli(2).UTC()
	if err := s.CreateUser(ctx, store.User{UID: "u1", AppID: "a1", Username: "alice", CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatalf("CreateUser on upgraded database: %v", err)
	}
	if err := s.CreateToken(ctx, store.Token{Hash: "h", AppID: "a1", UID: "u1", ExpiresAt: now, CreatedAt: now}); err != nil {
		t.Fatalf("CreateToken on upgraded database: %v", err)
	}
	if _, created, err := s.Bind(ctx, store.Binding{UID: "u1", DID: "d1", Role: "owner", CreatedAt: now}); err != nil || !created {
		t.Fatalf("Bind to a pre-upgrade device = created %v, %v", created, err)
	}
	var versions int
	if err := s.r.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&versions); err != nil {
		t.Fatal(err)
	}
	if ms, _ := loadMigrations(migrationFS); versions != len(ms) {
		t.Errorf("schema_migrations has %d rows, want %d", versions, len(ms))
	}
}
